package io.cacstreams.model;

import io.cacstreams.config.AlertRouting;
import io.cacstreams.config.AlertThresholds;
import io.cacstreams.config.AppConfig;
import io.cacstreams.events.AlertRule;
import io.cacstreams.events.AlertSeverity;
import io.cacstreams.events.AlertStatus;
import io.cacstreams.events.ChannelAlert;
import io.cacstreams.events.ChannelMetrics;
import io.cacstreams.events.Churn;
import io.cacstreams.events.Conversion;
import io.cacstreams.events.DeadLetterReason;
import io.cacstreams.events.FxRate;
import io.cacstreams.events.Lead;
import io.cacstreams.events.MarketingSpend;
import io.cacstreams.events.MetricStatus;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * An independent reference model of cac-streams, written from {@code shared/domain.md} and {@code docs/semantics.md}
 * only (never from the topology code). Feed it the input records in arrival order, each with its topic, partition
 * and offset, the flush points (one {@code cac.emit.interval} of wall-clock time each) and, at the end, the idle
 * drain; it computes the dead letters, the settled metrics records (in order per key), every alert transition and
 * the last live snapshot of every key.
 *
 * <p>It mirrors the harness ({@link TopologyRun}): one partition per input topic and per repartition topic, so one
 * clock per input topic, and an idle timeout no scenario reaches until the final drain. semantics.md, "Progress and
 * settled windows", read for that situation:
 * <ul>
 *   <li>decode: wire format, fields, LATE (spend, leads: {@code s >= b + H} with {@code c} the topic's clock with
 *       the event included), then the topic's clock moves to {@code c}, then the currency; every record handed on
 *       carries its {@code c};</li>
 *   <li>at every flush each decode task sends its clock (a topic without a clock holds its stage back); the bucket
 *       stage's watermark is the lowest of the spend and leads clocks, the customer stage's of the conversions and
 *       churn clocks, the channel stage's the lowest of the two once it heard from both; every bucket
 *       {@code B < floor(W - grace)} is then settled, in order; held churns are given up when the conversions
 *       watermark enters a new bucket, and a churn read when it is past the churn's hold already at once;</li>
 *   <li>at the drain every partition is idle: each watermark becomes the highest clock of its sources;</li>
 *   <li>an event of bucket {@code b} read at clock {@code c} counts in the settled windows ending with the buckets
 *       from {@code s = max(b, floor(c - grace))} on; a churn's clock is the later of its own and its customer's
 *       conversion's; the customer base (active, revenue, margin) changes from {@code s} on too;</li>
 *   <li>alerts are evaluated on the settled records only (semantics.md, "Alerts"): LTV_CAC_BELOW_TARGET on the
 *       interval of {@link ModelInterval}, not while the window is WARMING_UP (the channel's earliest spend after
 *       the window's first bucket); the live snapshot takes its status from the alerts' state.</li>
 * </ul>
 * Points where the documents leave a choice open are {@link Choices}.
 */
public final class ReferenceModel {

    public static final String ALL = "ALL";
    private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");
    private static final int MONEY_SCALE = 14;
    /** "weeks later": a copy read more than this much event time after its original. */
    private static final long WEEK = Duration.ofDays(7).toMillis();

    /**
     * The decisions the documents do not pin down. The defaults are what the model believes the documents mean; a
     * disagreement with the topology on one of them is an ambiguity to settle in the documents, not a bug.
     *
     * @param firstSpendByBucket            NO_CONVERSIONS' "the channel's earliest spend is at or before the window's
     *                                      first bucket" compares buckets (the channel stage receives counts per
     *                                      bucket), else the instant against the window start; the earliest spend
     *                                      is the earliest settled spend event
     * @param zeroSpendIsSpend              a spend event of amount 0 can be the channel's earliest spend (else only
     *                                      money spent is: "a channel that started spending an hour ago")
     * @param lateConversionGivesUpHeldChurn a conversion read at a clock past a held churn's {@code occurredAt +
     *                                      hold} cannot apply it ("applied only by a conversion read at a clock no
     *                                      later than ..."): it gives it up at once, before acquiring, with the
     *                                      reason of the customer as it was (UNKNOWN_CUSTOMER if never converted,
     *                                      else CUSTOMER_NOT_ACTIVE); otherwise the churn stays held until the
     *                                      conversions watermark gives it up
     * @param snapshotStatusFromOwnFigures  a live snapshot's status is derived like a settled record's from its own
     *                                      figures (INSUFFICIENT_DATA, UNKNOWN) with the alerts' state as of the last
     *                                      settled bucket; otherwise it is the last settled record's status
     * @param snapshotCoverageFromSettled   whether a live snapshot's window is WARMING_UP is part of "the alert state
     *                                      as of the last settled bucket": judged by the channel's earliest settled
     *                                      spend (none settled yet: not warming up), not by everything received
     */
    public record Choices(boolean firstSpendByBucket, boolean zeroSpendIsSpend, boolean lateConversionGivesUpHeldChurn,
                          boolean snapshotStatusFromOwnFigures, boolean snapshotCoverageFromSettled,
                          Set<Deviation> deviations) {
        public Choices {
            deviations = deviations.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(deviations));
        }

        public static Choices defaults() {
            return new Choices(true, false, true, true, true, Set.of());
        }

        /**
         * The defaults, overridden by system properties: {@code model.choice.<component>=true|false} for each choice,
         * and {@code model.deviations} (comma-separated {@link Deviation} names).
         */
        public static Choices fromSystemProperties() {
            String names = System.getProperty("model.deviations", "").trim();
            Set<Deviation> set = EnumSet.noneOf(Deviation.class);
            if (!names.isEmpty()) for (String n : names.split(",")) set.add(Deviation.valueOf(n.trim()));
            return new Choices(flag("firstSpendByBucket", true), flag("zeroSpendIsSpend", false),
                    flag("lateConversionGivesUpHeldChurn", true),
                    flag("snapshotStatusFromOwnFigures", true), flag("snapshotCoverageFromSettled", true), set);
        }

        private static boolean flag(String name, boolean dflt) {
            String v = System.getProperty("model.choice." + name);
            return v == null ? dflt : Boolean.parseBoolean(v.trim());
        }
    }

    /**
     * Topology bugs found by the property, which the model can be told to imitate so that a search can go on past
     * them (never on by default: the model states what the documents say). None is open: the two found against the
     * settled-window stage (churnedNew counted before its churn, 86c31f6; settling that started at the first count
     * held, b0040fa) were fixed, and TopologyRegressionTest keeps their cases.
     */
    public enum Deviation {
    }

    /** A dead letter the topology must produce. {@code eventId} is null where the record could not be read. */
    public record ExpectedDeadLetter(DeadLetterReason reason, String topic, int partition, long offset,
                                     String eventId) {
    }

    /** One metrics record of the channel stage, key {@code <channel>|<days>d}, with the flush count before it. */
    public record Emission(String key, ChannelMetrics metrics, int flushesBefore) {
    }

    /** One alert transition, key = dedupKey. */
    public record Transition(String dedupKey, ChannelAlert alert, int flushesBefore) {
    }

    private final AppConfig config;
    private final Choices choices;
    private final long bucket;
    private final long grace;
    /** The accept horizon H: the longest window, or the dedup retention rounded up to buckets when shorter. */
    private final long horizon;
    private final long hold;
    private final List<Duration> windows;

    // outputs
    private final List<ExpectedDeadLetter> deadLetters = new ArrayList<>();
    private final List<Emission> emissions = new ArrayList<>();
    private final List<Transition> transitions = new ArrayList<>();
    private final Map<String, Integer> counters = new TreeMap<>();
    private int flushes;
    private boolean drained;

    // fx-rates (global store): currency -> validFrom -> rate
    private final Map<String, TreeMap<Long, BigDecimal>> fx = new HashMap<>();
    // decode stages: one clock per input topic (one partition each)
    private final Map<InputTopic, Long> clocks = new EnumMap<>(InputTopic.class);
    // bucket stage: accepted spend and lead ids per (kind, channel, bucket), with the clock they were read at
    private final Map<String, Long> bucketIds = new HashMap<>();
    private final StageProgress bucketStage = new StageProgress();
    // customer stage
    private final StageProgress customerStage = new StageProgress();
    private Long conversionsWatermark;
    private final Map<String, Customer> customers = new HashMap<>();
    private final Map<String, List<HeldChurn>> held = new LinkedHashMap<>();
    private final Set<String> deadLettered = new HashSet<>();
    // channel stage
    private Long channelWatermark;
    /** Every bucket before this one is settled (null: none yet). */
    private Long settledThrough;
    private final Map<String, Channel> channels = new LinkedHashMap<>();
    private final Map<String, AlertState> alerts = new HashMap<>();

    public ReferenceModel(AppConfig config) {
        this(config, Choices.defaults());
    }

    public ReferenceModel(AppConfig config, Choices choices) {
        this.config = config;
        this.choices = choices;
        this.bucket = config.bucket().toMillis();
        this.grace = config.grace().toMillis();
        long retention = Math.floorDiv(config.dedupRetention().toMillis() + bucket - 1, bucket) * bucket;
        this.horizon = Math.min(config.longestWindow().toMillis(), retention);
        this.hold = config.churnHold().toMillis();
        this.windows = config.windows();
    }

    // ------------------------------------------------------------------------------------------------ inputs

    /** A record on an input topic (fx-rates included), in arrival order. */
    public void accept(InputTopic topic, int partition, long offset, Payload payload) {
        requireNotDrained();
        String topicName = topic.name(config.topics());
        Coordinates at = new Coordinates(topicName, partition, offset);
        if (topic == InputTopic.FX) {
            fxRate(payload);
            return;
        }
        if (payload instanceof Payload.Bad bad) {
            dead(bad.expectedReason(), at, null);
            return;
        }
        Object record = ((Payload.Valid) payload).record();
        switch (topic) {
            case SPEND -> spend((MarketingSpend) record, at);
            case LEADS -> lead((Lead) record, at);
            case CONVERSIONS -> conversion((Conversion) record, at);
            case CHURN -> churn((Churn) record, at);
            default -> throw new IllegalStateException();
        }
    }

    /** One emission interval of wall-clock time: every decode task sends its clock, no partition is idle. */
    public void flush() {
        requireNotDrained();
        progress(false);
        flushes++;
    }

    /** The final drain: wall-clock time passes the idle timeout, every partition is idle. Nothing may follow. */
    public void drain() {
        requireNotDrained();
        progress(true);
        drained = true;
    }

    // ------------------------------------------------------------------------------------------------ outputs

    /** Every dead letter so far, in the order the model produced them (a read-only view). */
    public List<ExpectedDeadLetter> deadLetters() {
        return Collections.unmodifiableList(deadLetters);
    }

    /** Every settled metrics record so far, in emission order (a read-only view). */
    public List<Emission> emissions() {
        return Collections.unmodifiableList(emissions);
    }

    /** Every alert transition so far, in order (a read-only view). */
    public List<Transition> transitions() {
        return Collections.unmodifiableList(transitions);
    }

    /** How often things happened (duplicates dropped, reactivations, held churns applied, ...): for coverage. */
    public Map<String, Integer> counters() {
        return Map.copyOf(counters);
    }

    public int flushes() {
        return flushes;
    }

    /**
     * The live snapshot of every key ({@code <channel>|<days>d}) of every channel that received any counts, as the
     * channel stage publishes it once everything is received and settled (semantics.md, "Emission" 2.): the settled
     * figures plus everything received, over the windows ending with the latest bucket the channel has data for or
     * the last settled one, whichever is later.
     */
    public Map<String, ChannelMetrics> finalSnapshots() {
        Map<String, ChannelMetrics> out = new TreeMap<>();
        for (Channel c : channels.values()) {
            long end = c.latestBucket;
            if (settledThrough != null) end = Math.max(end, settledThrough - bucket);
            for (Duration w : windows) out.put(key(c.name, w), snapshot(c, w, end));
        }
        return out;
    }

    /** For tests: the model's view of one customer (null if never converted). */
    public Boolean isActive(String customerId) {
        Customer c = customers.get(customerId);
        return c == null ? null : c.active;
    }

    // ------------------------------------------------------------------------------------------------ fx

    private void fxRate(Payload payload) {
        // A bad fx record cannot be dead-lettered from the global store: it is logged, counted and ignored.
        if (!(payload instanceof Payload.Valid v)) {
            count("fx.invalid");
            return;
        }
        FxRate r = (FxRate) v.record();
        if (r.getCurrency() == null || !CURRENCY.matcher(r.getCurrency()).matches() || r.getRateToReporting() == null
                || r.getRateToReporting().signum() <= 0) {
            count("fx.invalid");
            return;
        }
        fx.computeIfAbsent(r.getCurrency(), k -> new TreeMap<>())
                .put(r.getValidFrom().toEpochMilli(), r.getRateToReporting());
    }

    /** The rate in force at {@code t}: latest fx-rates record with validFrom <= t, else the static rate, else null. */
    private BigDecimal rate(String currency, long t) {
        if (currency.equals(config.reportingCurrency())) return BigDecimal.ONE;
        TreeMap<Long, BigDecimal> versions = fx.get(currency);
        if (versions != null) {
            Map.Entry<Long, BigDecimal> e = versions.floorEntry(t);
            if (e != null) return e.getValue();
        }
        return config.staticRate(currency).orElse(null);
    }

    private static BigDecimal convert(BigDecimal amount, BigDecimal rate) {
        return amount.multiply(rate).setScale(MONEY_SCALE, RoundingMode.UNNECESSARY);
    }

    // ------------------------------------------------------------------------------------------------ decode

    private void spend(MarketingSpend s, Coordinates at) {
        if (empty(s.getEventId()) || badChannel(s.getChannel()) || s.getAmount() == null
                || badCurrency(s.getCurrency())) {
            dead(DeadLetterReason.INVALID_FIELD, at, s.getEventId());
            return;
        }
        if (s.getAmount().signum() < 0) {
            dead(DeadLetterReason.NEGATIVE_AMOUNT, at, s.getEventId());
            return;
        }
        long t = s.getOccurredAt().toEpochMilli();
        Long c = readLateChecked(InputTopic.SPEND, t, at, s.getEventId());
        if (c == null) return;
        BigDecimal rate = rate(s.getCurrency(), t);
        if (rate == null) {
            dead(DeadLetterReason.UNKNOWN_CURRENCY, at, s.getEventId());
            return;
        }
        if (!s.getCurrency().equals(config.reportingCurrency())) count("fx.converted." + s.getCurrency());
        bucketStage(Kind.SPEND, s.getChannel(), s.getEventId(), t, c, convert(s.getAmount(), rate), null);
    }

    private void lead(Lead l, Coordinates at) {
        if (empty(l.getEventId()) || empty(l.getLeadId()) || badChannel(l.getChannel())) {
            dead(DeadLetterReason.INVALID_FIELD, at, l.getEventId());
            return;
        }
        Integer q = l.getQualityScore();
        if (q != null && (q < 0 || q > 100)) {
            dead(DeadLetterReason.QUALITY_OUT_OF_RANGE, at, l.getEventId());
            return;
        }
        long t = l.getOccurredAt().toEpochMilli();
        Long c = readLateChecked(InputTopic.LEADS, t, at, l.getEventId());
        if (c == null) return;
        bucketStage(Kind.LEAD, l.getChannel(), l.getEventId(), t, c, null, q);
    }

    /** LATE, then the clock: the clock the event is read at, or null if it is LATE (dead-lettered, clock unmoved). */
    private Long readLateChecked(InputTopic topic, long t, Coordinates at, String eventId) {
        long c = max(clocks.get(topic), t);
        long b = bucketOf(t);
        if (bucketOf(c - grace) - b == horizon) count("boundary.late");
        if (settleOf(b, c) >= b + horizon) {
            dead(DeadLetterReason.LATE, at, eventId);
            return null;
        }
        clocks.put(topic, c);
        return c;
    }

    private void conversion(Conversion c, Coordinates at) {
        Double gm = c.getGrossMargin();
        if (empty(c.getEventId()) || empty(c.getCustomerId()) || badChannel(c.getChannel())
                || c.getMonthlyRevenue() == null || badCurrency(c.getCurrency())
                || (gm != null && (gm.isNaN() || gm < 0 || gm > 1))) {
            dead(DeadLetterReason.INVALID_FIELD, at, c.getEventId());
            return;
        }
        if (c.getMonthlyRevenue().signum() < 0) {
            dead(DeadLetterReason.NEGATIVE_AMOUNT, at, c.getEventId());
            return;
        }
        long t = c.getOccurredAt().toEpochMilli();
        long clock = max(clocks.get(InputTopic.CONVERSIONS), t); // never LATE
        clocks.put(InputTopic.CONVERSIONS, clock);
        BigDecimal rate = rate(c.getCurrency(), t);
        if (rate == null) {
            dead(DeadLetterReason.UNKNOWN_CURRENCY, at, c.getEventId());
            return;
        }
        if (!c.getCurrency().equals(config.reportingCurrency())) count("fx.converted." + c.getCurrency());
        double margin = gm != null ? gm : config.marginFor(c.getChannel());
        convert(new Read(c.getEventId(), c.getCustomerId(), t, clock, at), c.getChannel(),
                convert(c.getMonthlyRevenue(), rate), margin);
    }

    private void churn(Churn c, Coordinates at) {
        if (empty(c.getEventId()) || empty(c.getCustomerId())) {
            dead(DeadLetterReason.INVALID_FIELD, at, c.getEventId());
            return;
        }
        long t = c.getOccurredAt().toEpochMilli();
        long clock = max(clocks.get(InputTopic.CHURN), t); // never LATE
        clocks.put(InputTopic.CHURN, clock);
        churn(new Read(c.getEventId(), c.getCustomerId(), t, clock, at));
    }

    // ------------------------------------------------------------------------------------------------ bucket stage

    private void bucketStage(Kind kind, String channel, String eventId, long t, long c, BigDecimal amount,
                             Integer quality) {
        long b = bucketOf(t);
        String id = kind + "|" + channel + "|" + b + "|" + eventId;
        Long original = bucketIds.get(id);
        if (original != null) {
            count("duplicate." + (kind == Kind.SPEND ? "spend" : "lead"));
            if (c - original > WEEK) count("duplicate.weeksLater");
            return;
        }
        bucketIds.put(id, c);
        long s = settleOf(b, c);
        if (s > b) count("late.settledLater");
        Count count = new Count(kind, t, b, s, amount, quality);
        for (Channel ch : channelAndAll(channel)) ch.add(count);
    }

    // ------------------------------------------------------------------------------------------------ customers

    private void convert(Read e, String channel, BigDecimal revenue, double margin) {
        Customer cust = customers.get(e.customerId);
        if (cust != null && cust.conversionIds.containsKey(e.eventId)) {
            count("duplicate.conversion");
            if (!cust.active) count("duplicate.afterChurn");
            if (e.c - cust.conversionIds.get(e.eventId) > WEEK) count("duplicate.weeksLater");
            return;
        }
        if (deadLettered.contains(e.at.topic + ":" + e.eventId)) count("copy.ofDeadLettered");
        if (cust != null && cust.active) {
            dead(DeadLetterReason.ALREADY_ACTIVE, e.at, e.eventId);
            return;
        }
        List<HeldChurn> pending = held.remove(e.customerId);
        pending = pending == null ? new ArrayList<>() : pending;
        pending.sort(Comparator.comparingLong(HeldChurn::t));
        if (choices.lateConversionGivesUpHeldChurn()) {
            DeadLetterReason reason = cust == null
                    ? DeadLetterReason.UNKNOWN_CUSTOMER : DeadLetterReason.CUSTOMER_NOT_ACTIVE;
            for (Iterator<HeldChurn> it = pending.iterator(); it.hasNext(); ) {
                HeldChurn h = it.next();
                if (h.t + hold < e.c) {
                    it.remove();
                    count("held.churn.givenUpByConversion");
                    dead(reason, h.at, h.eventId);
                }
            }
        }
        if (cust == null) {
            cust = new Customer();
            customers.put(e.customerId, cust);
        } else {
            count("reactivation");
        }
        long b = bucketOf(e.t);
        Member m = new Member(e.customerId, channel, e.t, e.c, b, settleOf(b, e.c), revenue, margin);
        if (m.acquiredSettle > b) count("late.settledLater");
        cust.acquire(m, e.eventId, e.c);
        for (Channel ch : channelAndAll(channel)) ch.add(m);

        for (Iterator<HeldChurn> it = pending.iterator(); it.hasNext(); ) {
            HeldChurn h = it.next();
            if (h.t + hold < e.c) {
                count("held.churn.givenUpByConversion"); // not applied: the conversions watermark gives it up
                continue;
            }
            if (h.t + hold == e.c) count("boundary.hold");
            if (h.t == m.acquiredAt) count("boundary.churnAtAcquisition");
            if (h.t < m.acquiredAt) {
                it.remove();
                dead(DeadLetterReason.CHURN_BEFORE_ACQUISITION, h.at, h.eventId);
                count("held.churn.beforeAcquisition");
            } else if (cust.active) {
                it.remove();
                endCustomer(cust, h.eventId, h.t, h.c);
                count("held.churn.applied");
            }
        }
        if (!pending.isEmpty()) held.put(e.customerId, pending);
    }

    private void churn(Read e) {
        Customer cust = customers.get(e.customerId);
        Long original = cust == null ? null : cust.churnIds.get(e.eventId);
        List<HeldChurn> pending = held.getOrDefault(e.customerId, List.of());
        for (HeldChurn h : pending) if (h.eventId.equals(e.eventId)) original = h.c;
        if (original != null) {
            count("duplicate.churn");
            if (e.c - original > WEEK) count("duplicate.weeksLater");
            return;
        }
        if (deadLettered.contains(e.at.topic + ":" + e.eventId)) count("copy.ofDeadLettered");
        if (cust != null && cust.active) {
            if (e.t == cust.member.acquiredAt) count("boundary.churnAtAcquisition");
            if (e.t < cust.member.acquiredAt) {
                dead(DeadLetterReason.CHURN_BEFORE_ACQUISITION, e.at, e.eventId);
                return;
            }
            endCustomer(cust, e.eventId, e.t, e.c);
            return;
        }
        if (conversionsWatermark != null && e.t + hold < conversionsWatermark) {
            // read when the conversions watermark is past its hold already: no conversion can apply it any more
            dead(cust != null ? DeadLetterReason.CUSTOMER_NOT_ACTIVE : DeadLetterReason.UNKNOWN_CUSTOMER, e.at,
                    e.eventId);
            count("churn.givenUpOnArrival");
            return;
        }
        held.computeIfAbsent(e.customerId, k -> new ArrayList<>()).add(new HeldChurn(e.eventId, e.t, e.c, e.at));
        count("churn.held");
    }

    /** A churn takes effect: its clock is the later of its own and the customer's conversion's. */
    private void endCustomer(Customer cust, String eventId, long t, long c) {
        Member m = cust.member;
        long clock = Math.max(c, m.acquiredClock);
        long b = bucketOf(t);
        m.churn(b, settleOf(b, clock));
        if (m.churnSettle > b) count("late.settledLater");
        cust.active = false;
        cust.churnIds.put(eventId, c);
        for (Channel ch : channelAndAll(m.channel)) ch.churned(m);
    }

    /** The conversions watermark entered a new bucket: give up the held churns no conversion can apply any more. */
    private void sweepHeldChurns() {
        for (Iterator<Map.Entry<String, List<HeldChurn>>> it = held.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, List<HeldChurn>> entry = it.next();
            DeadLetterReason reason = customers.containsKey(entry.getKey())
                    ? DeadLetterReason.CUSTOMER_NOT_ACTIVE : DeadLetterReason.UNKNOWN_CUSTOMER;
            for (Iterator<HeldChurn> hs = entry.getValue().iterator(); hs.hasNext(); ) {
                HeldChurn h = hs.next();
                if (h.t + hold == conversionsWatermark) count("boundary.hold");
                if (h.t + hold < conversionsWatermark) {
                    hs.remove();
                    dead(reason, h.at, h.eventId);
                }
            }
            if (entry.getValue().isEmpty()) it.remove();
        }
    }

    // ------------------------------------------------------------------------------------------------ progress

    private void progress(boolean idle) {
        Source spend = new Source(clocks.get(InputTopic.SPEND), idle);
        Source leads = new Source(clocks.get(InputTopic.LEADS), idle);
        Source conversions = new Source(clocks.get(InputTopic.CONVERSIONS), idle);
        Source churns = new Source(clocks.get(InputTopic.CHURN), idle);
        bucketStage.update(watermark(bucketStage.watermark, List.of(spend, leads)), idle);
        customerStage.update(watermark(customerStage.watermark, List.of(conversions, churns)), idle);

        Long before = conversionsWatermark;
        conversionsWatermark = watermark(conversionsWatermark, List.of(conversions));
        if (conversionsWatermark != null && (before == null || bucketOf(conversionsWatermark) > bucketOf(before))) {
            sweepHeldChurns();
        }

        // a stage not heard from yet holds the channel stage back
        if (bucketStage.heard && customerStage.heard) {
            channelWatermark = watermark(channelWatermark, List.of(bucketStage.asSource(), customerStage.asSource()));
        }
        if (channelWatermark != null) settle(bucketOf(channelWatermark - grace));
    }

    /**
     * semantics.md: the lowest clock of the sources that are not idle (one without a clock holds it back); when
     * every source is idle, the highest clock. It never goes back.
     */
    private static Long watermark(Long previous, List<Source> sources) {
        Long candidate = null;
        if (sources.stream().allMatch(Source::idle)) {
            for (Source s : sources) if (s.clock != null) candidate = max(candidate, s.clock);
        } else {
            boolean heldBack = false;
            for (Source s : sources) {
                if (s.idle) continue;
                if (s.clock == null) heldBack = true;
                else candidate = candidate == null ? s.clock : Math.min(candidate, s.clock);
            }
            if (heldBack) candidate = null;
        }
        if (candidate == null) return previous;
        return max(previous, candidate);
    }

    /** Settles every bucket before {@code through}, in order, for every channel with data settled by then. */
    private void settle(long through) {
        if (settledThrough != null && through <= settledThrough) return;
        Long first = settledThrough;
        if (first == null) {
            for (Channel c : channels.values()) {
                if (c.firstSettle != null) first = first == null ? c.firstSettle : Math.min(first, c.firstSettle);
            }
        }
        if (first != null) {
            for (long b = first; b < through; b += bucket) {
                for (Channel c : channels.values()) {
                    if (c.firstSettle == null || c.firstSettle > b) continue;
                    for (Duration w : windows) settled(c, w, b);
                }
            }
        }
        settledThrough = through;
    }

    // ------------------------------------------------------------------------------------------------ channels

    private List<Channel> channelAndAll(String channel) {
        return List.of(channels.computeIfAbsent(channel, Channel::new), channels.computeIfAbsent(ALL, Channel::new));
    }

    /** The settled record of the window {@code w} ending with bucket {@code b}, after evaluating its alerts. */
    private void settled(Channel c, Duration w, long b) {
        AlertThresholds th = config.alertsFor(c.name);
        Tally tally = tally(c, w, b, true);
        View v = view(tally, th, tally.earliestSpend);
        ModelFigures fig = v.fig;
        int days = (int) w.toDays();
        long now = b + bucket;
        String scope = c.name + "/" + days + "d";
        long forSpan = th.forSpan().toMillis();

        // NO_CONVERSIONS: spend > 0, no conversion, the channel's earliest spend at or before the window's first bucket
        boolean noConversions = fig.spend().signum() > 0 && fig.newCustomers() == 0 && v.covered;
        if (noConversions && bucketOf(v.earliestSpend) == v.start) count("boundary.fullWindow");
        AlertState nc = alerts.computeIfAbsent("cac-streams/NO_CONVERSIONS/" + scope, AlertState::new);
        if (!nc.firing) {
            if (noConversions) {
                if (nc.pendingSince == null) nc.pendingSince = now;
                if (forSpan > 0 && now - nc.pendingSince == forSpan) count("boundary.for");
                if (now - nc.pendingSince >= forSpan) {
                    if (forSpan > 0) count("alert.firedAfterFor");
                    nc.fire(AlertSeverity.CRITICAL, now);
                    transition(nc, AlertRule.NO_CONVERSIONS, c.name, days, AlertStatus.FIRING, v, th, now, null);
                }
            } else {
                nc.pendingSince = null;
            }
        } else if (!noConversions) {
            transition(nc, AlertRule.NO_CONVERSIONS, c.name, days, AlertStatus.RESOLVED, v, th, now, null);
            nc.resolve();
        }

        // LTV_CAC_BELOW_TARGET: not evaluated (state unchanged) while warming up, below the minimum sample or
        // without a ratio; fires when the interval is below T, resolves when it clears T and the ratio T(1+h)
        AlertState lc = alerts.computeIfAbsent("cac-streams/LTV_CAC_BELOW_TARGET/" + scope, AlertState::new);
        Double ratio = v.ratio;
        Double lower = v.interval.lower();
        Double upper = v.interval.upper();
        if (!v.warmingUp && fig.newCustomers() >= th.minNewCustomers() && ratio != null) {
            if (!lc.firing) {
                if (upper != null && upper < th.threshold()) {
                    if (lc.pendingSince == null) lc.pendingSince = now;
                    if (forSpan > 0 && now - lc.pendingSince == forSpan) count("boundary.for");
                    if (now - lc.pendingSince >= forSpan) {
                        if (forSpan > 0) count("alert.firedAfterFor");
                        lc.fire(upper < th.critical() ? AlertSeverity.CRITICAL : AlertSeverity.WARNING, now);
                        transition(lc, AlertRule.LTV_CAC_BELOW_TARGET, c.name, days, AlertStatus.FIRING, v, th, now,
                                null);
                    }
                } else {
                    lc.pendingSince = null;
                }
            } else if (ratio >= th.resolveAt() && lower >= th.threshold()) {
                transition(lc, AlertRule.LTV_CAC_BELOW_TARGET, c.name, days, AlertStatus.RESOLVED, v, th, now, null);
                lc.resolve();
            } else if (lc.severity == AlertSeverity.WARNING && upper != null && upper < th.critical()) {
                lc.severity = AlertSeverity.CRITICAL;
                transition(lc, AlertRule.LTV_CAC_BELOW_TARGET, c.name, days, AlertStatus.FIRING, v, th, now,
                        AlertSeverity.WARNING);
            } else if (lc.severity == AlertSeverity.CRITICAL && ratio >= th.deEscalateAt() && lower >= th.critical()) {
                lc.severity = AlertSeverity.WARNING;
                transition(lc, AlertRule.LTV_CAC_BELOW_TARGET, c.name, days, AlertStatus.FIRING, v, th, now,
                        AlertSeverity.CRITICAL);
            }
        }
        MetricStatus status = status(nc, lc, v, th);
        c.lastSettledStatus.put(days, status);
        emissions.add(new Emission(key(c.name, w), metrics(c.name, days, v, now, status, th, true), flushes));
    }

    private ChannelMetrics snapshot(Channel c, Duration w, long end) {
        AlertThresholds th = config.alertsFor(c.name);
        Tally tally = tally(c, w, end, false);
        Long earliest = tally.earliestSpend;
        if (choices.snapshotCoverageFromSettled()) {
            earliest = settledThrough == null ? null : tally(c, w, settledThrough - bucket, true).earliestSpend;
        }
        View v = view(tally, th, earliest);
        int days = (int) w.toDays();
        String scope = c.name + "/" + days + "d";
        MetricStatus status;
        if (choices.snapshotStatusFromOwnFigures() || !c.lastSettledStatus.containsKey(days)) {
            AlertState nc = alerts.computeIfAbsent("cac-streams/NO_CONVERSIONS/" + scope, AlertState::new);
            AlertState lc = alerts.computeIfAbsent("cac-streams/LTV_CAC_BELOW_TARGET/" + scope, AlertState::new);
            status = status(nc, lc, v, th);
        } else {
            status = c.lastSettledStatus.get(days);
        }
        return metrics(c.name, days, v, end + bucket, status, th, false);
    }

    private static MetricStatus status(AlertState nc, AlertState lc, View v, AlertThresholds th) {
        if (nc.firing) return MetricStatus.NO_CONVERSIONS;
        if (v.warmingUp) return MetricStatus.WARMING_UP;
        if (v.fig.newCustomers() < th.minNewCustomers()) return MetricStatus.INSUFFICIENT_DATA;
        if (lc.firing) return lc.severity == AlertSeverity.CRITICAL ? MetricStatus.CRITICAL : MetricStatus.WARNING;
        if (v.ratio == null && v.fig.cac() != null && v.fig.cac() > 0) return MetricStatus.UNKNOWN;
        return MetricStatus.OK;
    }

    /** The figures of a window as its records show them, the interval, and whether the data covers the window. */
    private View view(Tally t, AlertThresholds th, Long earliest) {
        ModelFigures fig = t.figures();
        Double ratio = fig.ltvToCac();
        ModelInterval interval = ratio == null ? new ModelInterval(null, null) : ModelInterval.of(fig, th.confidence());
        // the channel's data covers the window once its earliest spend is at or before the window's first bucket
        boolean covered = earliest != null
                && (choices.firstSpendByBucket() ? bucketOf(earliest) <= t.start : earliest <= t.start);
        return new View(fig, t.start, ratio, interval, earliest, covered, earliest != null && !covered);
    }

    /**
     * The counts of the window {@code w} ending with bucket {@code end}: with {@code settledOnly}, of the events
     * settled by then ({@code s <= end}); else of everything received.
     */
    private Tally tally(Channel c, Duration w, long end, boolean settledOnly) {
        long start = end - w.toMillis() + bucket;
        long limit = settledOnly ? end : Long.MAX_VALUE;
        Tally t = new Tally(w, start);
        for (Count n : c.counts) {
            if (n.s > limit) continue;
            if (n.kind == Kind.SPEND && (n.amount.signum() > 0 || choices.zeroSpendIsSpend())) {
                t.earliestSpend = t.earliestSpend == null ? n.t : Math.min(t.earliestSpend, n.t);
            }
            if (n.b < start || n.b > end) continue;
            if (n.kind == Kind.SPEND) {
                t.spend = t.spend.add(n.amount);
            } else {
                t.leads++;
                if (n.quality != null) {
                    t.qualitySum += n.quality;
                    t.qualityCount++;
                }
            }
        }
        for (Member m : c.members) {
            if (m.acquiredSettle > limit) continue;
            boolean acquiredInside = m.acquiredBucket >= start && m.acquiredBucket <= end;
            if (acquiredInside) t.acquired++;
            // a churn counts (churned by its bucket, churnedNew by the acquisition's) from its own settle bucket on
            if (m.churnSettle != null && m.churnSettle <= limit) {
                if (m.churnBucket >= start && m.churnBucket <= end) t.churned++;
                if (acquiredInside) t.churnedNew++;
            } else {
                t.active++;
                t.revenue = t.revenue.add(m.revenue);
                t.margins += m.margin;
            }
        }
        return t;
    }

    /** The metrics record of the window ending at {@code end} (exclusive); {@code asOf}: the last instant it covers. */
    private ChannelMetrics metrics(String channel, int days, View v, long end, MetricStatus status, AlertThresholds th,
                                   boolean settled) {
        ModelFigures fig = v.fig;
        ChannelMetrics.Builder m = ChannelMetrics.newBuilder()
                .setChannel(channel).setWindowDays(days)
                .setWindowStart(Instant.ofEpochMilli(v.start)).setWindowEnd(Instant.ofEpochMilli(end))
                .setAsOf(Instant.ofEpochMilli(end - 1)).setReportingCurrency(config.reportingCurrency())
                .setSpend(fig.spendDouble()).setLeads(fig.leads()).setAvgLeadQuality(fig.avgLeadQuality())
                .setNewCustomers(fig.newCustomers()).setChurned(fig.churned()).setChurnedNew(fig.churnedNew())
                .setActiveCustomers(fig.active()).setCustomersAtStart(fig.atStart())
                .setCpl(fig.cpl()).setLeadToCustomerRate(fig.leadToCustomerRate()).setCac(fig.cac())
                .setArpu(fig.arpu()).setGrossMargin(fig.grossMargin()).setChurnRate(fig.churnRate())
                .setCacPaybackMonths(fig.cacPaybackMonths())
                .setLtvToCac(v.ratio).setLtvToCacLower(v.interval.lower()).setLtvToCacUpper(v.interval.upper())
                // the confidence the bounds are at: the channel's setting, on every record (where the ratio is
                // null the interval has null bounds, semantics.md; it is still computed at that confidence)
                .setConfidence(th.confidence())
                .setStatus(status).setSettled(settled);
        return m.setMonthlyChurnRate(fig.monthlyChurnRate()).setRetentionRate(fig.retentionRate())
                .setLtv(fig.ltv()).build();
    }

    private void transition(AlertState s, AlertRule rule, String channel, int days, AlertStatus status, View v,
                            AlertThresholds th, long now, AlertSeverity previous) {
        AlertRouting routing = config.alertRouting();
        Map<String, String> labels = new TreeMap<>(routing.labels());
        labels.put("alertname", rule.name());
        labels.put("rule", rule.name());
        labels.put("channel", channel);
        labels.put("window", days + "d");
        labels.put("severity", s.severity.name().toLowerCase(Locale.ROOT));
        labels.put("source", routing.source());
        ChannelAlert a = ChannelAlert.newBuilder()
                .setAlertId(s.alertId).setDedupKey(s.dedupKey).setRule(rule).setChannel(channel).setWindowDays(days)
                .setStatus(status).setSeverity(s.severity).setPreviousSeverity(previous).setRatio(v.ratio)
                .setLtvToCacLower(v.interval.lower()).setLtvToCacUpper(v.interval.upper())
                .setConfidence(th.confidence())
                .setThreshold(th.threshold()).setCriticalThreshold(th.critical())
                .setCac(v.fig.cac()).setLtv(v.fig.ltv()).setSpend(v.fig.spendDouble())
                .setNewCustomers(v.fig.newCustomers())
                .setReportingCurrency(config.reportingCurrency())
                .setStartsAt(Instant.ofEpochMilli(s.startsAt))
                .setEndsAt(status == AlertStatus.RESOLVED ? Instant.ofEpochMilli(now) : null)
                .setEvaluatedAt(Instant.ofEpochMilli(now))
                .setRunbookUrl(routing.runbookFor(rule.name()))
                .setDashboardUrl(routing.dashboardFor(channel, days))
                .setSource(routing.source()).setLabels(labels)
                .setMessage("model")
                .build();
        transitions.add(new Transition(s.dedupKey, a, flushes));
    }

    /** The first bucket whose settled window counts an event of bucket {@code b} read at clock {@code c}. */
    private long settleOf(long b, long c) {
        return Math.max(b, bucketOf(c - grace));
    }

    private long bucketOf(long t) {
        return Math.floorDiv(t, bucket) * bucket;
    }

    private static String key(String channel, Duration w) {
        return channel + "|" + w.toDays() + "d";
    }

    private static long max(Long a, long b) {
        return a == null ? b : Math.max(a, b);
    }

    private static boolean empty(String s) {
        return s == null || s.isEmpty();
    }

    private static boolean badChannel(String channel) {
        return empty(channel) || channel.equals(ALL);
    }

    private static boolean badCurrency(String ccy) {
        return ccy == null || !CURRENCY.matcher(ccy).matches();
    }

    private void requireNotDrained() {
        if (drained) throw new IllegalStateException("the model was drained: nothing may follow");
    }

    private void dead(DeadLetterReason reason, Coordinates at, String eventId) {
        if (eventId != null) deadLettered.add(at.topic + ":" + eventId);
        deadLetters.add(new ExpectedDeadLetter(reason, at.topic, at.partition, at.offset, eventId));
    }

    private void count(String what) {
        counters.merge(what, 1, Integer::sum);
    }

    private record Coordinates(String topic, int partition, long offset) {
    }

    /** A conversion or churn as the customer stage reads it: {@code c} is the clock it was read at. */
    private record Read(String eventId, String customerId, long t, long c, Coordinates at) {
    }

    private record HeldChurn(String eventId, long t, long c, Coordinates at) {
    }

    /** What a downstream stage knows of one source: its clock (null: none yet) and whether it is idle. */
    private record Source(Long clock, boolean idle) {
    }

    /** A bucket or customer stage's watermark as the channel stage hears it. */
    private static final class StageProgress {
        Long watermark;
        boolean allIdle;
        /** The channel stage hears from a stage once its (watermark, all idle) first differs from (null, false). */
        boolean heard;

        void update(Long w, boolean idle) {
            watermark = w;
            allIdle = idle;
            if (w != null || idle) heard = true;
        }

        Source asSource() {
            return new Source(watermark, allIdle);
        }
    }

    private static final class Customer {
        /** The current (or last) acquisition. */
        Member member;
        boolean active;
        /** Every conversion id that acquired this customer and every churn id that ended them, with its clock. */
        final Map<String, Long> conversionIds = new HashMap<>();
        final Map<String, Long> churnIds = new HashMap<>();

        void acquire(Member m, String eventId, long c) {
            member = m;
            active = true;
            conversionIds.put(eventId, c);
        }
    }

    private enum Kind { SPEND, LEAD }

    /** A spend or lead counted by the bucket stage: in bucket {@code b}, settled from {@code s}. */
    private record Count(Kind kind, long t, long b, long s, BigDecimal amount, Integer quality) {
    }

    /** One acquisition of a customer by a channel, and its churn once there is one. */
    private static final class Member {
        final String customerId;
        final String channel;
        final long acquiredAt;
        final long acquiredClock;
        final long acquiredBucket;
        final long acquiredSettle;
        final BigDecimal revenue;
        final double margin;
        Long churnBucket;
        Long churnSettle;

        Member(String customerId, String channel, long acquiredAt, long acquiredClock, long acquiredBucket,
               long acquiredSettle, BigDecimal revenue, double margin) {
            this.customerId = customerId;
            this.channel = channel;
            this.acquiredAt = acquiredAt;
            this.acquiredClock = acquiredClock;
            this.acquiredBucket = acquiredBucket;
            this.acquiredSettle = acquiredSettle;
            this.revenue = revenue;
            this.margin = margin;
        }

        void churn(long b, long s) {
            churnBucket = b;
            churnSettle = s;
        }
    }

    private final class Channel {
        final String name;
        final List<Count> counts = new ArrayList<>();
        final List<Member> members = new ArrayList<>();
        /** The first bucket that settles data of this channel (null: no data). */
        Long firstSettle;
        /** The latest bucket the channel has data for. */
        long latestBucket = Long.MIN_VALUE;
        final Map<Integer, MetricStatus> lastSettledStatus = new HashMap<>();

        Channel(String name) {
            this.name = name;
        }

        void add(Count n) {
            counts.add(n);
            received(n.b, n.s);
        }

        void add(Member m) {
            members.add(m);
            received(m.acquiredBucket, m.acquiredSettle);
        }

        void churned(Member m) {
            received(m.churnBucket, m.churnSettle);
        }

        private void received(long b, long s) {
            if (settledThrough != null && s < settledThrough) {
                // cannot happen without idle partitions: a record's clock is never behind the watermark
                throw new IllegalStateException("an event settles at " + Instant.ofEpochMilli(s)
                        + ", behind the settled buckets (" + Instant.ofEpochMilli(settledThrough) + ")");
            }
            latestBucket = Math.max(latestBucket, b);
            firstSettle = firstSettle == null ? s : Math.min(firstSettle, s);
        }
    }

    /**
     * One window as its records show it: the figures, LTV:CAC and its interval, the channel's earliest spend and
     * whether it covers the window (else the window is warming up).
     */
    private record View(ModelFigures fig, long start, Double ratio, ModelInterval interval,
                        Long earliestSpend, boolean covered, boolean warmingUp) {
    }

    /** The counts of one window, turned into figures by {@link ModelFigures}. */
    private final class Tally {
        final Duration window;
        final long start;
        BigDecimal spend = BigDecimal.ZERO.setScale(MONEY_SCALE);
        long leads;
        long qualitySum;
        long qualityCount;
        long acquired;
        long churned;
        long churnedNew;
        long active;
        BigDecimal revenue = BigDecimal.ZERO.setScale(MONEY_SCALE);
        double margins;
        Long earliestSpend;

        Tally(Duration window, long start) {
            this.window = window;
            this.start = start;
        }

        ModelFigures figures() {
            return new ModelFigures(spend, leads, qualitySum, qualityCount, acquired, churned, churnedNew, active,
                    revenue, margins, window.toDays(), config.monthlyDiscountRate(), config.horizonMonths());
        }
    }

    private static final class AlertState {
        final String dedupKey;
        boolean firing;
        AlertSeverity severity;
        String alertId;
        long startsAt;
        Long pendingSince;

        AlertState(String dedupKey) {
            this.dedupKey = dedupKey;
        }

        void fire(AlertSeverity sev, long now) {
            firing = true;
            severity = sev;
            startsAt = now;
            pendingSince = null;
            String name = dedupKey + "@" + Instant.ofEpochMilli(now);
            alertId = UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
        }

        void resolve() {
            firing = false;
            pendingSince = null;
        }
    }
}
