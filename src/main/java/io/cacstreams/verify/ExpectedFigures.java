package io.cacstreams.verify;

import io.cacstreams.config.AppConfig;
import io.cacstreams.events.Churn;
import io.cacstreams.events.Conversion;
import io.cacstreams.events.DeadLetterReason;
import io.cacstreams.events.FxRate;
import io.cacstreams.events.Lead;
import io.cacstreams.events.MarketingSpend;
import io.cacstreams.generator.Fault;
import io.cacstreams.generator.GeneratedEvent;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * An independent recomputation of what cac-streams must output for a known input stream, in the manner of Kafka's
 * {@code SmokeTestDriver.verify}: it keeps every produced event and, given the stream time a metrics record claims
 * ({@code asOf}), recomputes that record's figures from domain.md's definitions by plain summation over the events,
 * sharing no code with the topology. It assumes the stream has no LATE events and no ALREADY_ACTIVE conversions (the
 * synthetic market produces none), so the final figures do not depend on processing order.
 */
public final class ExpectedFigures {
    private record Money(String channel, long at, BigDecimal amount, String currency) {
    }

    private record Customer(String channel, long acquiredAt, BigDecimal revenue, String currency, Double margin) {
    }

    private final AppConfig config;
    private final long bucket;
    private final List<Money> spend = new ArrayList<>();
    private final Map<String, List<long[]>> leads = new HashMap<>(); // channel -> [at, quality or -1]
    private final Map<String, Customer> customers = new HashMap<>();
    private final Map<String, Long> churnedAt = new HashMap<>();
    private final Map<String, NavigableMap<Long, BigDecimal>> rates = new HashMap<>();
    private final Set<String> seen = new HashSet<>();
    private final Map<DeadLetterReason, Long> deadLetters = new EnumMap<>(DeadLetterReason.class);
    private final Set<String> channels = new HashSet<>();
    private final List<Long> ghostChurns = new ArrayList<>();
    /**
     * The customer stage gives held churns up when its conversions watermark (which ends as the lowest of the
     * per-partition clocks computed here) enters a new bucket, so up to a bucket after it passed their hold; a day of
     * margin covers any bucket of up to a day. (A churn read after the watermark passed its hold is given up at once.)
     */
    private static final long CERTAINTY_MARGIN_MS = 86_400_000L;
    private final Map<Integer, Long> conversionClocks = new HashMap<>();
    private int conversionPartitions = 1;
    private long produced;
    private long duplicates;

    public ExpectedFigures(AppConfig config) {
        this.config = config;
        this.bucket = config.bucket().toMillis();
    }

    /** Records one produced event (in any order). */
    public void accept(GeneratedEvent e) {
        produced++;
        if (e.fault() == Fault.DUPLICATE) {
            duplicates++;
            return;
        }
        if (e.value() instanceof Conversion && e.fault() == Fault.NONE) {
            int p = conversionPartitions == 1 ? 0 : org.apache.kafka.common.utils.Utils.toPositive(
                    org.apache.kafka.common.utils.Utils.murmur2(e.key().getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                    % conversionPartitions;
            conversionClocks.merge(p, e.occurredAt(), Math::max);
        }
        if (e.fault() == Fault.UNKNOWN_CUSTOMER) {
            ghostChurns.add(e.occurredAt());
            return;
        }
        if (e.fault().expectedReason() != null) {
            deadLetters.merge(e.fault().expectedReason(), 1L, Long::sum);
            return;
        }
        Object v = e.value();
        if (v instanceof FxRate r) {
            rates.computeIfAbsent(r.getCurrency(), c -> new TreeMap<>())
                    .put(r.getValidFrom().toEpochMilli(), r.getRateToReporting());
        } else if (v instanceof MarketingSpend s) {
            if (!seen.add("s" + s.getEventId())) return;
            channels.add(s.getChannel());
            spend.add(new Money(s.getChannel(), s.getOccurredAt().toEpochMilli(), s.getAmount(), s.getCurrency()));
        } else if (v instanceof Lead l) {
            if (!seen.add("l" + l.getEventId())) return;
            channels.add(l.getChannel());
            leads.computeIfAbsent(l.getChannel(), c -> new ArrayList<>()).add(new long[]{
                    l.getOccurredAt().toEpochMilli(), l.getQualityScore() == null ? -1 : l.getQualityScore()});
        } else if (v instanceof Conversion c) {
            if (!seen.add("c" + c.getEventId())) return;
            channels.add(c.getChannel());
            customers.put(c.getCustomerId(), new Customer(c.getChannel(), c.getOccurredAt().toEpochMilli(),
                    c.getMonthlyRevenue(), c.getCurrency(), c.getGrossMargin()));
        } else if (v instanceof Churn ch) {
            if (!seen.add("ch" + ch.getEventId())) return;
            churnedAt.put(ch.getCustomerId(), ch.getOccurredAt().toEpochMilli());
        } else {
            throw new IllegalArgumentException("unexpected event " + v.getClass());
        }
    }

    /**
     * The number of partitions of the conversions topic (keyed records land where Kafka's default partitioner puts
     * them): held churns are given up on the lowest of the per-partition conversion clocks.
     */
    public void conversionPartitions(int partitions) {
        this.conversionPartitions = partitions;
    }

    private long conversionWatermark() {
        return conversionClocks.values().stream().mapToLong(Long::longValue).min().orElse(Long.MIN_VALUE);
    }

    public long produced() {
        return produced;
    }

    public long duplicates() {
        return duplicates;
    }

    /**
     * Dead letters that must be there, by reason. A churn of a never-seen customer is held until every conversions
     * partition has delivered conversions dated past its time plus the hold time, so only those older than the lowest
     * partition's last conversion by more than the hold time (and a bucket) are certain; see {@link #heldChurns()}.
     */
    public Map<DeadLetterReason, Long> deadLetters() {
        Map<DeadLetterReason, Long> out = new EnumMap<>(deadLetters);
        long certain = ghostChurns.stream()
                .filter(t -> t + config.churnHold().toMillis() + CERTAINTY_MARGIN_MS < conversionWatermark()).count();
        if (certain > 0) out.put(DeadLetterReason.UNKNOWN_CUSTOMER, certain);
        return out;
    }

    /** Churns of never-seen customers that may still be held at the end (dead-lettered or not, both are right). */
    public long heldChurns() {
        return ghostChurns.size() - deadLetters().getOrDefault(DeadLetterReason.UNKNOWN_CUSTOMER, 0L);
    }

    /** Checks actual dead-letter counts against {@link #deadLetters()}, allowing for {@link #heldChurns()}. */
    public List<String> checkDeadLetters(Map<DeadLetterReason, Long> actual) {
        List<String> out = new ArrayList<>();
        Map<DeadLetterReason, Long> expected = deadLetters();
        for (DeadLetterReason r : DeadLetterReason.values()) {
            long want = expected.getOrDefault(r, 0L);
            long got = actual.getOrDefault(r, 0L);
            long slack = r == DeadLetterReason.UNKNOWN_CUSTOMER ? heldChurns() : 0;
            if (got < want || got > want + slack) {
                out.add("dead letters " + r + ": expected " + want + (slack > 0 ? " to " + (want + slack) : "")
                        + ", was " + got);
            }
        }
        return out;
    }

    /** Every channel with at least one event, plus ALL. */
    public Set<String> channels() {
        Set<String> all = new HashSet<>(channels);
        all.add(AppConfig.ALL);
        return all;
    }

    /** The key of every metrics record that must be there: {@code <channel>|<days>d} per channel and window. */
    public Set<String> metricsKeys() {
        Set<String> keys = new TreeSet<>();
        for (String c : channels()) {
            for (java.time.Duration w : config.windows()) keys.add(c + "|" + w.toDays() + "d");
        }
        return keys;
    }

    private BigDecimal rate(String currency, long at) {
        if (currency.equals(config.reportingCurrency())) return BigDecimal.ONE;
        NavigableMap<Long, BigDecimal> history = rates.get(currency);
        Map.Entry<Long, BigDecimal> r = history == null ? null : history.floorEntry(at);
        if (r != null) return r.getValue();
        return config.staticRate(currency).orElseThrow(() -> new IllegalStateException("no rate for " + currency));
    }

    private boolean of(String channel, String wanted) {
        return wanted.equals(AppConfig.ALL) || wanted.equals(channel);
    }

    /** The figures cac-streams must report for {@code channel} over {@code windowDays} at stream time {@code asOf}. */
    public Figures expect(String channel, int windowDays, long asOf) {
        long last = Math.floorDiv(asOf, bucket) * bucket;
        long first = last - windowDays * 86_400_000L + bucket;
        java.util.function.LongPredicate inWindow = t -> {
            long b = Math.floorDiv(t, bucket) * bucket;
            return b >= first && b <= last;
        };
        BigDecimal spent = BigDecimal.ZERO;
        for (Money m : spend) {
            if (of(m.channel(), channel) && inWindow.test(m.at())) {
                spent = spent.add(m.amount().multiply(rate(m.currency(), m.at())));
            }
        }
        long leadCount = 0, qualitySum = 0, qualityCount = 0;
        for (Map.Entry<String, List<long[]>> e : leads.entrySet()) {
            if (!of(e.getKey(), channel)) continue;
            for (long[] l : e.getValue()) {
                if (!inWindow.test(l[0])) continue;
                leadCount++;
                if (l[1] >= 0) {
                    qualitySum += l[1];
                    qualityCount++;
                }
            }
        }
        long newCustomers = 0, churned = 0, churnedNew = 0, active = 0;
        BigDecimal revenue = BigDecimal.ZERO, margins = BigDecimal.ZERO;
        for (Map.Entry<String, Customer> e : customers.entrySet()) {
            Customer c = e.getValue();
            if (!of(c.channel(), channel) || c.acquiredAt() > asOf) continue;
            Long gone = churnedAt.get(e.getKey());
            if (inWindow.test(c.acquiredAt())) newCustomers++;
            if (gone != null && gone <= asOf) {
                if (inWindow.test(gone)) churned++;
                if (inWindow.test(c.acquiredAt())) churnedNew++;
            } else {
                active++;
                revenue = revenue.add(c.revenue().multiply(rate(c.currency(), c.acquiredAt())));
                double m = c.margin() != null ? c.margin() : config.marginFor(c.channel());
                margins = margins.add(BigDecimal.valueOf(m));
            }
        }
        return Figures.of(windowDays, spent, leadCount, qualitySum, qualityCount, newCustomers, churned, churnedNew,
                active, revenue, margins, config);
    }

    /** The expected figures; derived ones computed from domain.md's table (null where undefined). */
    public record Figures(double spend, long leads, Double avgLeadQuality, long newCustomers, long churned,
                          long churnedNew, long active, long atStart, Double cpl, Double cac, Double arpu,
                          Double grossMargin, Double churnRate, Double monthlyChurnRate, Double ltv, Double ltvToCac,
                          Double payback) {

        static Figures of(int days, BigDecimal spend, long leads, long qSum, long qCount, long newCustomers,
                          long churned, long churnedNew, long active, BigDecimal revenue, BigDecimal margins,
                          AppConfig config) {
            MathContext mc = MathContext.DECIMAL128;
            Double cpl = leads == 0 ? null : spend.divide(BigDecimal.valueOf(leads), mc).doubleValue();
            Double cac = newCustomers == 0 ? null : spend.divide(BigDecimal.valueOf(newCustomers), mc).doubleValue();
            Double arpu = active == 0 ? null : revenue.divide(BigDecimal.valueOf(active), mc).doubleValue();
            Double margin = active == 0 ? null : margins.divide(BigDecimal.valueOf(active), mc).doubleValue();
            long atStart = active - newCustomers + churned;
            Double churnRate = atStart <= 0 ? null : (double) (churned - churnedNew) / atStart;
            Double monthly = churnRate == null || churnRate < 0 || churnRate > 1 ? null
                    : days == 30 ? churnRate : 1 - Math.pow(1 - churnRate, 30.0 / days);
            Double ltv = null;
            if (arpu != null && margin != null && monthly != null) {
                double r = 1 - monthly;
                double i = config.monthlyDiscountRate();
                double q = r / (1 + i);
                if (config.horizonMonths().isPresent()) {
                    double sum = 0;
                    for (int k = 1; k <= config.horizonMonths().getAsInt(); k++) sum += Math.pow(q, k);
                    ltv = arpu * margin * sum;
                } else if (q < 1) {
                    ltv = arpu * margin * r / (1 + i - r);
                }
            }
            Double ratio = ltv == null || cac == null || cac == 0 ? null : ltv / cac;
            Double payback = cac == null || arpu == null || margin == null || arpu * margin == 0 ? null
                    : cac / (arpu * margin);
            return new Figures(spend.doubleValue(), leads, qCount == 0 ? null : (double) qSum / qCount, newCustomers,
                    churned, churnedNew, active, atStart, cpl, cac, arpu, margin, churnRate, monthly, ltv, ratio,
                    payback);
        }
    }
}
