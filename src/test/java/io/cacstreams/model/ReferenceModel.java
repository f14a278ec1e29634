package io.cacstreams.model;

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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * An independent reference model of cac-streams, written from {@code shared/domain.md} and {@code docs/semantics.md}
 * only (never from the topology code). Feed it the input records in arrival order, each with its topic, partition
 * and offset, and the flush points (wall-clock emissions); it computes the dead letters, every metrics record the
 * channel stage emits (in order per key) and every alert transition.
 *
 * <p>It mirrors the one-task-per-stage situation of TopologyTestDriver: one clock per stage. The stages:
 * <ul>
 *   <li>decode: wire format and schema, then fields, then LATE (spend and leads, against the stage's own clock),
 *       then currency;</li>
 *   <li>customer table (conversions and churns): advance the clocks (all events; conversions only, for held
 *       churns), duplicates, then the customer rules; never LATE;
 *       held churns expire when the clock enters a new bucket;</li>
 *   <li>channel metrics (every channel and ALL, one clock): duplicates of spend and leads, windows, emission and
 *       alerts.</li>
 * </ul>
 * Points where the documents leave the order of operations open are {@link Choices}.
 */
public final class ReferenceModel {

    public static final String ALL = "ALL";
    private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");
    private static final int MONEY_SCALE = 14;

    /**
     * The decisions neither document pins down. The defaults are what the model believes the documents mean; a
     * disagreement with the topology on one of them is reported as an ambiguity, not a bug. Each default was
     * confirmed against the topology: with any one of them flipped ({@code -Dmodel.choice.<name>=false}) the
     * property fails within a few tries, on a 2-3 event case.
     *
     * @param decodeClockBeforeCurrency the spend clock moves once an event passed the LATE check, even if its
     *                                  currency then turns out unknown ("valid" = well-formed fields)
     * @param channelCopyBeforeAll      a fact reaches its channel before its ALL copy
     * @param sweepAfterRules           the customer stage applies the record that moved its clock before giving up
     *                                  on expired held churns (like the channel stage's "applied first")
     * @param firstEventByBucket        NO_CONVERSIONS' "first event at or before the window's first bucket" compares
     *                                  buckets (else: the instant against the window start)
     */
    public record Choices(boolean decodeClockBeforeCurrency, boolean channelCopyBeforeAll, boolean sweepAfterRules,
                          boolean firstEventByBucket, Set<Deviation> deviations) {
        public Choices {
            deviations = deviations.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(deviations));
        }

        public static Choices defaults() {
            return new Choices(true, true, true, true, Set.of());
        }

        /**
         * The defaults, overridden by system properties: {@code model.choice.<component>=true|false} for each choice,
         * and {@code model.deviations} (comma-separated {@link Deviation} names).
         */
        public static Choices fromSystemProperties() {
            String names = System.getProperty("model.deviations", "").trim();
            Set<Deviation> set = EnumSet.noneOf(Deviation.class);
            if (!names.isEmpty()) for (String n : names.split(",")) set.add(Deviation.valueOf(n.trim()));
            return new Choices(flag("decodeClockBeforeCurrency", true), flag("channelCopyBeforeAll", true),
                    flag("sweepAfterRules", true), flag("firstEventByBucket", true), set);
        }

        private static boolean flag(String name, boolean dflt) {
            String v = System.getProperty("model.choice." + name);
            return v == null ? dflt : Boolean.parseBoolean(v.trim());
        }

        public Choices with(Set<Deviation> more) {
            Set<Deviation> all = EnumSet.noneOf(Deviation.class);
            all.addAll(deviations);
            all.addAll(more);
            return new Choices(decodeClockBeforeCurrency, channelCopyBeforeAll, sweepAfterRules, firstEventByBucket, all);
        }

        boolean has(Deviation d) {
            return deviations.contains(d);
        }
    }

    /**
     * Topology bugs found by the property, which the model can be told to imitate so that a search can go on past
     * them (never on by default: the model states what the documents say).
     */
    public enum Deviation {
        /** The blended ALL view receives the customer facts but no spend and no leads. */
        ALL_MISSES_SPEND_AND_LEADS,
        /**
         * The channel stage's duplicate test is inclusive ({@code now - acceptedAt <= retention}) but every spend or
         * lead fact purges the entries with {@code now - acceptedAt >= retention}: at exactly the retention, a re-sent
         * spend or lead is dropped or counted depending on whether another spend or lead came in between.
         */
        CHANNEL_DEDUP_BOUNDARY_DEPENDS_ON_TRAFFIC,
        /**
         * Duplicates are recognised for at least the retention R and up to about R + R/8 of stream time (measured:
         * segment-granular expiry), the cut depending on where in its segment the original was accepted, and the
         * stages can disagree at a segment boundary. The model cannot predict a re-send landing in
         * [R, R + R/8 + one bucket] after its original: it counts those ({@code dedup.imprecise}) so that a test
         * can set such runs aside.
         */
        DEDUP_RETENTION_IMPRECISE
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
    private final long lateHorizon;
    private final long hold;
    private final long dedupRetention;
    /** The end of the zone after the dedup retention where the topology's verdict is not predictable (see Deviation). */
    private final long imprecise;
    private final List<Duration> windows;

    // outputs
    private final List<ExpectedDeadLetter> deadLetters = new ArrayList<>();
    private final List<Emission> emissions = new ArrayList<>();
    private final List<Transition> transitions = new ArrayList<>();
    private final Map<String, ChannelAlert> lastTransition = new HashMap<>();
    private final Map<String, Integer> counters = new TreeMap<>();
    private final Map<String, ChannelMetrics> latest = new TreeMap<>();
    private final List<Map<String, ChannelMetrics>> latestAtFlush = new ArrayList<>();
    private int flushes;

    // fx-rates (global store): currency -> validFrom -> rate
    private final Map<String, TreeMap<Long, BigDecimal>> fx = new HashMap<>();
    // decode stages
    private Long spendClock;
    private Long leadsClock;
    // customer stage
    private Long customerClock;
    private Long conversionClock;
    private final Map<String, Long> customerDedup = new HashMap<>();
    private final Map<String, Customer> customers = new HashMap<>();
    private final Map<String, List<HeldChurn>> held = new LinkedHashMap<>();
    private final Set<String> deadLettered = new java.util.HashSet<>();
    // channel stage
    private Long channelClock;
    private final Map<String, Long> channelDedup = new HashMap<>();
    private final Map<String, Channel> channels = new LinkedHashMap<>();
    private final Map<String, AlertState> alerts = new HashMap<>();

    public ReferenceModel(AppConfig config) {
        this(config, Choices.defaults());
    }

    public ReferenceModel(AppConfig config, Choices choices) {
        this.config = config;
        this.choices = choices;
        this.bucket = config.bucket().toMillis();
        this.lateHorizon = config.longestWindow().toMillis() + config.grace().toMillis();
        this.hold = config.churnHold().toMillis();
        this.dedupRetention = config.dedupRetention().toMillis();
        this.imprecise = dedupRetention + dedupRetention / 8 + bucket;
        this.windows = config.windows();
    }

    // ------------------------------------------------------------------------------------------------ inputs

    /** A record on an input topic (fx-rates included), in arrival order. */
    public void accept(InputTopic topic, int partition, long offset, Payload payload) {
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

    /** The wall-clock punctuation: every channel changed since its last emission is emitted. */
    public void flush() {
        if (channelClock != null) {
            for (Channel c : channels.values()) {
                if (c.changed) emit(c);
            }
        }
        flushes++;
        latestAtFlush.add(Map.copyOf(latest));
    }

    // ------------------------------------------------------------------------------------------------ outputs

    /** Every dead letter so far, in the order the model produced them (a read-only view). */
    public List<ExpectedDeadLetter> deadLetters() {
        return Collections.unmodifiableList(deadLetters);
    }

    /** Every metrics record so far, in emission order (a read-only view). */
    public List<Emission> emissions() {
        return Collections.unmodifiableList(emissions);
    }

    /** The latest metrics record per key ({@code <channel>|<days>d}) right after each flush so far. */
    public List<Map<String, ChannelMetrics>> latestAtEachFlush() {
        return Collections.unmodifiableList(latestAtFlush);
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
        fx.computeIfAbsent(r.getCurrency(), k -> new TreeMap<>()).put(r.getValidFrom().toEpochMilli(), r.getRateToReporting());
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
        return amount.multiply(rate).setScale(MONEY_SCALE, java.math.RoundingMode.UNNECESSARY);
    }

    // ------------------------------------------------------------------------------------------------ decode

    private void spend(MarketingSpend s, Coordinates at) {
        if (empty(s.getEventId()) || badChannel(s.getChannel()) || s.getAmount() == null || badCurrency(s.getCurrency())) {
            dead(DeadLetterReason.INVALID_FIELD, at, s.getEventId());
            return;
        }
        if (s.getAmount().signum() < 0) {
            dead(DeadLetterReason.NEGATIVE_AMOUNT, at, s.getEventId());
            return;
        }
        long t = s.getOccurredAt().toEpochMilli();
        if (spendClock != null && t == spendClock - lateHorizon) count("boundary.late");
        if (spendClock != null && t <= spendClock - lateHorizon) {
            dead(DeadLetterReason.LATE, at, s.getEventId());
            return;
        }
        Long clockBefore = spendClock;
        if (choices.decodeClockBeforeCurrency()) spendClock = max(spendClock, t);
        BigDecimal rate = rate(s.getCurrency(), t);
        if (rate == null) {
            if (clockBefore == null || t > clockBefore) count("choice.decodeClockBeforeCurrency.relevant");
            dead(DeadLetterReason.UNKNOWN_CURRENCY, at, s.getEventId());
            return;
        }
        if (!choices.decodeClockBeforeCurrency()) spendClock = max(spendClock, t);
        if (!s.getCurrency().equals(config.reportingCurrency())) count("fx.converted." + s.getCurrency());
        BigDecimal usd = convert(s.getAmount(), rate);
        toChannels(s.getChannel(), new Fact(FactKind.SPEND, t, "spend:" + s.getEventId(), usd, null, null, 0, null, 0));
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
        if (leadsClock != null && t == leadsClock - lateHorizon) count("boundary.late");
        if (leadsClock != null && t <= leadsClock - lateHorizon) {
            dead(DeadLetterReason.LATE, at, l.getEventId());
            return;
        }
        leadsClock = max(leadsClock, t);
        toChannels(l.getChannel(), new Fact(FactKind.LEAD, t, "leads:" + l.getEventId(), null, q, null, 0, null, 0));
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
        BigDecimal rate = rate(c.getCurrency(), t);
        if (rate == null) {
            dead(DeadLetterReason.UNKNOWN_CURRENCY, at, c.getEventId());
            return;
        }
        if (!c.getCurrency().equals(config.reportingCurrency())) count("fx.converted." + c.getCurrency());
        double margin = gm != null ? gm : config.marginFor(c.getChannel());
        customerStage(new CustomerEvent(true, c.getEventId(), c.getCustomerId(), c.getChannel(), t,
                convert(c.getMonthlyRevenue(), rate), margin, at));
    }

    private void churn(Churn c, Coordinates at) {
        if (empty(c.getEventId()) || empty(c.getCustomerId())) {
            dead(DeadLetterReason.INVALID_FIELD, at, c.getEventId());
            return;
        }
        customerStage(new CustomerEvent(false, c.getEventId(), c.getCustomerId(), null,
                c.getOccurredAt().toEpochMilli(), null, 0, at));
    }

    // ------------------------------------------------------------------------------------------------ customers

    private void customerStage(CustomerEvent e) {
        // conversions and churns are never LATE (semantics.md): the customer base is not windowed
        customerClock = max(customerClock, e.t);
        // held churns are given up on the conversions' own clock, checked when it enters a new bucket
        Long before = conversionClock;
        if (e.conversion) conversionClock = max(conversionClock, e.t);
        boolean newBucket = conversionClock != null
                && (before == null || bucketOf(conversionClock) > bucketOf(before));
        String dedupKey = e.at.topic + ":" + e.eventId;
        // "accepted within cac.dedup.retention of stream time": accepted when the clock was s, and now - s < retention
        Long seen = customerDedup.get(dedupKey);
        List<Fact> out = new ArrayList<>();
        if (seen != null && customerClock - seen == dedupRetention) count("boundary.dedup");
        if (seen != null && customerClock - seen >= dedupRetention && customerClock - seen <= imprecise) {
            count("dedup.imprecise");
        }
        if (seen != null && customerClock - seen < dedupRetention) {
            count("duplicate." + (e.conversion ? "conversion" : "churn"));
            if (deadLettered.contains(dedupKey)) count("duplicate.ofDeadLettered");
            if (customerClock - e.t >= dedupRetention) count("duplicate.olderThanRetention");
        } else {
            if (seen != null) count("duplicate.expired");
            if (newBucket && e.conversion && held.getOrDefault(e.customerId, List.of()).stream()
                    .anyMatch(h -> h.t + hold < conversionClock)) {
                count("choice.sweepAfterRules.relevant");
            }
            customerDedup.put(dedupKey, customerClock);
            if (newBucket && !choices.sweepAfterRules()) sweepHeldChurns();
            if (e.conversion) convert(e, out); else churn(e, out);
            if (newBucket && choices.sweepAfterRules()) sweepHeldChurns();
            newBucket = false;
        }
        if (newBucket) sweepHeldChurns();
        for (Fact f : out) toChannels(f.channel, f);
    }

    private void convert(CustomerEvent e, List<Fact> out) {
        Customer cust = customers.get(e.customerId);
        if (cust != null && cust.active) {
            dead(DeadLetterReason.ALREADY_ACTIVE, e.at, e.eventId);
            return;
        }
        if (cust != null) count("reactivation");
        cust = new Customer(e.customerId, e.channel, e.t, e.revenue, e.margin);
        customers.put(e.customerId, cust);
        out.add(Fact.acquisition(cust));
        List<HeldChurn> pending = held.get(e.customerId);
        if (pending == null) return;
        pending.sort(Comparator.comparingLong(HeldChurn::t));
        for (Iterator<HeldChurn> it = pending.iterator(); it.hasNext(); ) {
            HeldChurn h = it.next();
            if (h.t == cust.acquiredAt) count("boundary.churnAtAcquisition");
            if (h.t < cust.acquiredAt) {
                it.remove();
                dead(DeadLetterReason.CHURN_BEFORE_ACQUISITION, h.at, h.eventId);
                count("held.churn.beforeAcquisition");
            } else if (cust.active) {
                it.remove();
                cust.active = false;
                out.add(Fact.churn(cust, h.t));
                count("held.churn.applied");
            }
        }
        if (pending.isEmpty()) held.remove(e.customerId);
    }

    private void churn(CustomerEvent e, List<Fact> out) {
        Customer cust = customers.get(e.customerId);
        if (cust != null && cust.active) {
            if (e.t == cust.acquiredAt) count("boundary.churnAtAcquisition");
            if (e.t < cust.acquiredAt) {
                dead(DeadLetterReason.CHURN_BEFORE_ACQUISITION, e.at, e.eventId);
                return;
            }
            cust.active = false;
            out.add(Fact.churn(cust, e.t));
            return;
        }
        held.computeIfAbsent(e.customerId, k -> new ArrayList<>()).add(new HeldChurn(e.eventId, e.t, e.at));
        count("churn.held");
    }

    private void sweepHeldChurns() {
        for (Iterator<Map.Entry<String, List<HeldChurn>>> it = held.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, List<HeldChurn>> entry = it.next();
            Customer cust = customers.get(entry.getKey());
            for (Iterator<HeldChurn> hs = entry.getValue().iterator(); hs.hasNext(); ) {
                HeldChurn h = hs.next();
                if (h.t + hold == conversionClock) count("boundary.hold");
                if (h.t + hold < conversionClock) {
                    hs.remove();
                    dead(cust == null ? DeadLetterReason.UNKNOWN_CUSTOMER : DeadLetterReason.CUSTOMER_NOT_ACTIVE,
                            h.at, h.eventId);
                }
            }
            if (entry.getValue().isEmpty()) it.remove();
        }
    }

    // ------------------------------------------------------------------------------------------------ channels

    private void toChannels(String channel, Fact f) {
        if (choices.has(Deviation.ALL_MISSES_SPEND_AND_LEADS) && (f.kind == FactKind.SPEND || f.kind == FactKind.LEAD)) {
            channelStage(channel, f);
            return;
        }
        if (choices.channelCopyBeforeAll()) {
            channelStage(channel, f);
            channelStage(ALL, f);
        } else {
            channelStage(ALL, f);
            channelStage(channel, f);
        }
    }

    private void channelStage(String key, Fact f) {
        if (f.dedupId != null) {
            String dk = key + "|" + f.dedupId;
            Long seen = channelDedup.get(dk);
            if (seen != null && channelClock - seen == dedupRetention) count("boundary.dedup");
            if (seen != null && channelClock - seen >= dedupRetention && channelClock - seen <= imprecise) {
                count("dedup.imprecise");
            }
            boolean purging = choices.has(Deviation.CHANNEL_DEDUP_BOUNDARY_DEPENDS_ON_TRAFFIC);
            boolean duplicate = seen != null && (purging ? channelClock - seen <= dedupRetention : channelClock - seen < dedupRetention);
            if (purging) {
                long now = max(channelClock, f.t);
                channelDedup.values().removeIf(acceptedAt -> now - acceptedAt >= dedupRetention);
            }
            if (duplicate) {
                if (!key.equals(ALL)) {
                    count("duplicate." + f.kind.name().toLowerCase());
                    if (channelClock - f.t >= dedupRetention) count("duplicate.olderThanRetention");
                }
                return; // a duplicate never moves the clock: its original was accepted
            }
            if (seen != null && !key.equals(ALL)) count("duplicate.expired");
            channelDedup.put(dk, max(channelClock, f.t));
        }
        Channel c = channels.computeIfAbsent(key, Channel::new);
        c.apply(f);
        Long before = channelClock;
        channelClock = max(channelClock, f.t);
        if (before == null || bucketOf(channelClock) > bucketOf(before)) {
            if (!key.equals(ALL) && (f.kind == FactKind.ACQUISITION || f.kind == FactKind.CHURN)) {
                count("choice.channelCopyBeforeAll.relevant");
            }
            for (Channel each : channels.values()) emit(each);
        }
    }

    private void emit(Channel c) {
        c.changed = false;
        long b = bucketOf(channelClock);
        long longestStart = b - config.longestWindow().toMillis() + bucket;
        c.facts.removeIf(f -> bucketOf(f.t) < longestStart);
        for (Duration w : windows) emit(c, w, b);
    }

    private void emit(Channel c, Duration window, long b) {
        long len = window.toMillis();
        long start = b - len + bucket;
        long end = b + bucket;
        int days = (int) window.toDays();
        BigDecimal spend = BigDecimal.ZERO.setScale(MONEY_SCALE);
        long leads = 0, qSum = 0, qCount = 0, acquired = 0, churned = 0, churnedNew = 0;
        for (Fact f : c.facts) {
            long fb = bucketOf(f.t);
            if (fb < start || fb > b) continue;
            switch (f.kind) {
                case SPEND -> spend = spend.add(f.amount);
                case LEAD -> {
                    leads++;
                    if (f.quality != null) {
                        qSum += f.quality;
                        qCount++;
                    }
                }
                case ACQUISITION -> acquired++;
                case CHURN -> churned++;
            }
        }
        for (Fact f : c.facts) {
            if (f.kind == FactKind.CHURN && bucketOf(f.acquiredAt) >= start && bucketOf(f.acquiredAt) <= b) churnedNew++;
        }
        // churns of customers acquired inside the window whose acquisition fact may already be pruned cannot exist:
        // acquiredAt <= churn time, and the churn is in the window.
        BigDecimal revenue = BigDecimal.ZERO.setScale(MONEY_SCALE);
        double margins = 0;
        for (Member m : c.active.values()) {
            revenue = revenue.add(m.revenue);
            margins += m.margin;
        }
        ModelFigures fig = new ModelFigures(spend, leads, qSum, qCount, acquired, churned, churnedNew,
                c.active.size(), revenue, margins, days, config.monthlyDiscountRate(), config.horizonMonths());

        AlertThresholds th = config.alertsFor(c.name);
        Double ratio = fig.ltvToCac();
        long now = channelClock;
        String scope = c.name + "/" + days + "d";

        // NO_CONVERSIONS: spend > 0, no conversion, a full window observed.
        // "spend with zero conversions over a full window": spend observed since the window's first bucket
        boolean fullWindow = c.firstSpendAt != null
                && (choices.firstEventByBucket() ? bucketOf(c.firstSpendAt) <= start : c.firstSpendAt <= start);
        boolean noConv = spend.signum() > 0 && acquired == 0 && fullWindow;
        if (spend.signum() > 0 && acquired == 0 && c.firstSpendAt != null && c.firstSpendAt == start) count("boundary.fullWindow");
        if (spend.signum() > 0 && acquired == 0 && c.firstSpendAt != null && bucketOf(c.firstSpendAt) == start && c.firstSpendAt > start) {
            count("choice.firstEventByBucket.relevant");
        }
        AlertState nc = alerts.computeIfAbsent("cac-streams/NO_CONVERSIONS/" + scope, AlertState::new);
        if (!nc.firing) {
            if (noConv) {
                if (nc.pendingSince == null) nc.pendingSince = now;
                if (th.forSpan().toMillis() > 0 && now - nc.pendingSince == th.forSpan().toMillis()) count("boundary.for");
                if (now - nc.pendingSince >= th.forSpan().toMillis()) {
                    nc.fire(AlertSeverity.CRITICAL, now);
                    transition(nc, AlertRule.NO_CONVERSIONS, c.name, days, AlertStatus.FIRING, fig, ratio, th, now);
                }
            } else {
                nc.pendingSince = null;
            }
        } else if (!noConv) {
            transition(nc, AlertRule.NO_CONVERSIONS, c.name, days, AlertStatus.RESOLVED, fig, ratio, th, now);
            nc.resolve();
        }

        // LTV_CAC_BELOW_TARGET
        AlertState lc = alerts.computeIfAbsent("cac-streams/LTV_CAC_BELOW_TARGET/" + scope, AlertState::new);
        if (acquired >= th.minNewCustomers() && ratio != null) {
            if (!lc.firing) {
                if (ratio < th.threshold()) {
                    if (lc.pendingSince == null) lc.pendingSince = now;
                    if (th.forSpan().toMillis() > 0 && now - lc.pendingSince == th.forSpan().toMillis()) count("boundary.for");
                    if (now - lc.pendingSince >= th.forSpan().toMillis()) {
                        if (th.forSpan().toMillis() > 0) count("alert.firedAfterFor");
                        lc.fire(ratio < th.critical() ? AlertSeverity.CRITICAL : AlertSeverity.WARNING, now);
                        transition(lc, AlertRule.LTV_CAC_BELOW_TARGET, c.name, days, AlertStatus.FIRING, fig, ratio, th, now);
                    }
                } else {
                    lc.pendingSince = null;
                }
            } else if (ratio >= th.resolveAt()) {
                transition(lc, AlertRule.LTV_CAC_BELOW_TARGET, c.name, days, AlertStatus.RESOLVED, fig, ratio, th, now);
                lc.resolve();
            } else if (lc.severity == AlertSeverity.WARNING && ratio < th.critical()) {
                lc.severity = AlertSeverity.CRITICAL;
                transition(lc, AlertRule.LTV_CAC_BELOW_TARGET, c.name, days, AlertStatus.FIRING, fig, ratio, th, now);
            } else if (lc.severity == AlertSeverity.CRITICAL && ratio >= th.deEscalateAt()) {
                lc.severity = AlertSeverity.WARNING;
                transition(lc, AlertRule.LTV_CAC_BELOW_TARGET, c.name, days, AlertStatus.FIRING, fig, ratio, th, now);
            }
        }

        MetricStatus status;
        if (nc.firing) status = MetricStatus.NO_CONVERSIONS;
        else if (acquired < th.minNewCustomers()) status = MetricStatus.INSUFFICIENT_DATA;
        else if (lc.firing) status = lc.severity == AlertSeverity.CRITICAL ? MetricStatus.CRITICAL : MetricStatus.WARNING;
        else if (ratio == null && fig.cac() != null && fig.cac() > 0) status = MetricStatus.UNKNOWN;
        else status = MetricStatus.OK;

        ChannelMetrics m = ChannelMetrics.newBuilder()
                .setChannel(c.name).setWindowDays(days)
                .setWindowStart(Instant.ofEpochMilli(start)).setWindowEnd(Instant.ofEpochMilli(end))
                .setAsOf(Instant.ofEpochMilli(now)).setReportingCurrency(config.reportingCurrency())
                .setSpend(fig.spendDouble()).setLeads(leads).setAvgLeadQuality(fig.avgLeadQuality())
                .setNewCustomers(acquired).setChurned(churned).setChurnedNew(churnedNew)
                .setActiveCustomers(fig.active()).setCustomersAtStart(fig.atStart())
                .setCpl(fig.cpl()).setLeadToCustomerRate(fig.leadToCustomerRate()).setCac(fig.cac())
                .setArpu(fig.arpu()).setGrossMargin(fig.grossMargin()).setChurnRate(fig.churnRate())
                .setMonthlyChurnRate(fig.monthlyChurnRate()).setRetentionRate(fig.retentionRate())
                .setLtv(fig.ltv()).setLtvToCac(ratio).setCacPaybackMonths(fig.cacPaybackMonths())
                .setStatus(status)
                .build();
        emissions.add(new Emission(c.name + "|" + days + "d", m, flushes));
        latest.put(c.name + "|" + days + "d", m);
    }

    private void transition(AlertState s, AlertRule rule, String channel, int days, AlertStatus status,
                            ModelFigures fig, Double ratio, AlertThresholds th, long now) {
        // domain.md: a change of severity carries the severity before it
        ChannelAlert before = lastTransition.get(s.dedupKey);
        AlertSeverity previous = status == AlertStatus.FIRING && before != null
                && before.getStatus() == AlertStatus.FIRING && before.getSeverity() != s.severity
                ? before.getSeverity() : null;
        ChannelAlert a = ChannelAlert.newBuilder()
                .setAlertId(s.alertId).setDedupKey(s.dedupKey).setRule(rule).setChannel(channel).setWindowDays(days)
                .setStatus(status).setSeverity(s.severity).setPreviousSeverity(previous).setRatio(ratio)
                // no interval in the model yet: the point value stands in for both bounds (domain.md, "Alerts")
                .setLtvToCacLower(ratio).setLtvToCacUpper(ratio)
                .setThreshold(th.threshold()).setCriticalThreshold(th.critical())
                .setCac(fig.cac()).setLtv(fig.ltv()).setSpend(fig.spendDouble()).setNewCustomers(fig.newCustomers())
                .setReportingCurrency(config.reportingCurrency())
                .setStartsAt(Instant.ofEpochMilli(s.startsAt))
                .setEndsAt(status == AlertStatus.RESOLVED ? Instant.ofEpochMilli(now) : null)
                .setEvaluatedAt(Instant.ofEpochMilli(now))
                .setRunbookUrl(config.runbookUrl())
                .setMessage("model")
                .build();
        transitions.add(new Transition(s.dedupKey, a, flushes));
        lastTransition.put(s.dedupKey, a);
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private long bucketOf(long t) {
        return Math.floorDiv(t, bucket) * bucket;
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

    private void dead(DeadLetterReason reason, Coordinates at, String eventId) {
        if (eventId != null) deadLettered.add(at.topic + ":" + eventId);
        deadLetters.add(new ExpectedDeadLetter(reason, at.topic, at.partition, at.offset, eventId));
    }

    private void count(String what) {
        counters.merge(what, 1, Integer::sum);
    }

    private record Coordinates(String topic, int partition, long offset) {
    }

    private record CustomerEvent(boolean conversion, String eventId, String customerId, String channel, long t,
                                 BigDecimal revenue, double margin, Coordinates at) {
    }

    private record HeldChurn(String eventId, long t, Coordinates at) {
    }

    private static final class Customer {
        final String id;
        final String channel;
        final long acquiredAt;
        final BigDecimal revenue;
        final double margin;
        boolean active = true;

        Customer(String id, String channel, long acquiredAt, BigDecimal revenue, double margin) {
            this.id = id;
            this.channel = channel;
            this.acquiredAt = acquiredAt;
            this.revenue = revenue;
            this.margin = margin;
        }
    }

    private enum FactKind { SPEND, LEAD, ACQUISITION, CHURN }

    /** What the channel stage receives. {@code dedupId} is set for spend and leads (de-duplicated there). */
    private record Fact(FactKind kind, long t, String dedupId, BigDecimal amount, Integer quality, String customerId,
                        long acquiredAt, String channel, double margin) {
        static Fact acquisition(Customer c) {
            return new Fact(FactKind.ACQUISITION, c.acquiredAt, null, c.revenue, null, c.id, c.acquiredAt, c.channel, c.margin);
        }

        static Fact churn(Customer c, long t) {
            return new Fact(FactKind.CHURN, t, null, c.revenue, null, c.id, c.acquiredAt, c.channel, c.margin);
        }
    }

    private record Member(BigDecimal revenue, double margin) {
    }

    private static final class Channel {
        final String name;
        final List<Fact> facts = new ArrayList<>();
        final Map<String, Member> active = new HashMap<>();
        Long firstEventAt;
        Long firstSpendAt;
        boolean changed;

        Channel(String name) {
            this.name = name;
        }

        void apply(Fact f) {
            firstEventAt = firstEventAt == null ? f.t : Math.min(firstEventAt, f.t);
            if (f.kind == FactKind.SPEND) firstSpendAt = firstSpendAt == null ? f.t : Math.min(firstSpendAt, f.t);
            changed = true;
            facts.add(f);
            switch (f.kind) {
                case ACQUISITION -> active.put(f.customerId, new Member(f.amount, f.margin));
                case CHURN -> active.remove(f.customerId);
                default -> {
                }
            }
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
            alertId = UUID.nameUUIDFromBytes((dedupKey + "@" + Instant.ofEpochMilli(now)).getBytes(StandardCharsets.UTF_8)).toString();
        }

        void resolve() {
            firing = false;
            pendingSince = null;
        }
    }

    /** For tests: the model's view of one customer (null if never converted). */
    public Boolean isActive(String customerId) {
        Customer c = customers.get(customerId);
        return c == null ? null : c.active;
    }
}
