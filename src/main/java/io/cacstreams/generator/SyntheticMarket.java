package io.cacstreams.generator;

import io.cacstreams.config.TopicNames;
import io.cacstreams.events.Churn;
import io.cacstreams.events.Conversion;
import io.cacstreams.events.FxRate;
import io.cacstreams.events.Lead;
import io.cacstreams.events.MarketingSpend;
import io.cacstreams.events.SpendCategory;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A seeded, deterministic synthetic market, one simulated hour at a time: spend (with intraday and weekly
 * seasonality and noise), leads, conversions, churn, daily fx rates in EUR and GBP, a share of bad records and
 * duplicates, and one channel whose conversion rate sags from day 12 to day 45 so that its LTV:CAC drops below 3:1
 * and recovers. The same seed and options give the same events.
 */
public final class SyntheticMarket {
    private static final long HOUR = 3_600_000L;
    private static final long DAY = 24 * HOUR;
    /** Rates into USD at the start; each day's rate moves by a factor of mean 1, so they are also the expected ones. */
    static final Map<String, Double> INITIAL_RATES = Map.of("EUR", 1.08, "GBP", 1.27);

    /** Shares of bad records and duplicates among generated events (0 for none). */
    public record Options(double badShare, double duplicateShare) {
        public static Options defaults() {
            return new Options(0.003, 0.005);
        }
    }

    private final SplittableRandom random;
    private final TopicNames topics;
    private final List<ChannelProfile> channels;
    private final Options options;
    private final long start;
    private final Map<String, List<String>> active = new HashMap<>();
    private final Map<String, Long> acquiredAt = new HashMap<>();
    private final Map<String, Double> fx = new HashMap<>();
    private final List<GeneratedEvent> recent = new ArrayList<>();
    private long hour;
    private long ids;

    public SyntheticMarket(long seed, Instant start, TopicNames topics, List<ChannelProfile> channels,
                           Options options) {
        this.random = new SplittableRandom(seed);
        this.topics = topics;
        this.channels = List.copyOf(channels);
        this.options = options;
        this.start = start.toEpochMilli() - Math.floorMod(start.toEpochMilli(), HOUR);
        fx.put("EUR", INITIAL_RATES.get("EUR"));
        fx.put("GBP", INITIAL_RATES.get("GBP"));
        channels.forEach(c -> active.put(c.name(), new ArrayList<>()));
    }

    public Instant start() {
        return Instant.ofEpochMilli(start);
    }

    /** The market's true expected economics, from its channels' profiles alone (not from its random draws). */
    public MarketTruth truth() {
        return new MarketTruth(start, channels, INITIAL_RATES);
    }

    /** Simulated time reached so far: the end of the last generated hour. */
    public Instant now() {
        return Instant.ofEpochMilli(start + hour * HOUR);
    }

    /**
     * The customer base before the simulation: conversions 150 to 100 days before the start, so they count as active
     * customers but lie outside every default window. Call once, before the first {@link #nextHour()}.
     */
    public List<GeneratedEvent> history() {
        List<GeneratedEvent> out = new ArrayList<>();
        long from = start - 150 * DAY;
        out.addAll(rates(from - DAY));
        for (ChannelProfile c : channels) {
            for (int i = 0; i < c.initialCustomers(); i++) {
                long at = from + (long) (random.nextDouble() * 50 * DAY);
                out.add(conversion(c, at, Fault.NONE));
            }
        }
        out.sort(java.util.Comparator.comparingLong(GeneratedEvent::occurredAt));
        return out;
    }

    /** The events of the next simulated hour, in time order. */
    public List<GeneratedEvent> nextHour() {
        long t0 = start + hour * HOUR;
        hour++;
        List<GeneratedEvent> out = new ArrayList<>();
        if (Math.floorMod(t0, DAY) == 0) out.addAll(rates(t0));
        double day = (t0 - start) / (double) DAY;
        double season = intraday(t0) * weekly(t0);
        for (ChannelProfile c : channels) {
            long at = t0 + random.nextLong(HOUR);
            if (c.dailySpend() > 0) {
                double amount = c.dailySpend() / 24 * season * noise(0.15);
                out.add(spend(c, amount, at, Fault.NONE));
            }
            int leads = poisson(c.leadsPerDay() / 24 * season);
            for (int i = 0; i < leads; i++) out.add(lead(c, t0 + random.nextLong(HOUR), Fault.NONE));
            double rate = c.conversionRate() * (c.drift() ? drift(day) : 1.0);
            int conversions = poisson(c.leadsPerDay() / 24 * season * rate);
            for (int i = 0; i < conversions; i++) out.add(conversion(c, t0 + random.nextLong(HOUR), Fault.NONE));
            double hazard = 1 - Math.pow(1 - c.monthlyChurn(), 1.0 / (30 * 24));
            List<String> base = active.get(c.name());
            int churns = Math.min(base.size(), poisson(base.size() * hazard));
            for (int i = 0; i < churns; i++) {
                String customer = base.remove(random.nextInt(base.size()));
                long churnAt = t0 + random.nextLong(HOUR);
                long acquired = acquiredAt.remove(customer);
                if (churnAt < acquired) churnAt = acquired + (t0 + HOUR - acquired) / 2; // never before the conversion
                out.add(churn(customer, churnAt, Fault.NONE));
            }
        }
        out.sort(java.util.Comparator.comparingLong(GeneratedEvent::occurredAt));
        return withFaults(out, t0);
    }

    /**
     * The bottom of the drift: a quarter of the usual conversion rate, so paid_social's true LTV:CAC falls to about
     * 1.3, a drop its counts can tell from noise at the alerts' 90 % confidence within days (at 0.45 it bottomed at
     * 2.4, which the 7-day window's counts cannot tell from 3 with that confidence).
     */
    static final double DRIFT_BOTTOM = 0.25;

    /** Multiplier of the drifting channel's conversion rate: sags from day 12 to 20, recovers from day 35 to 45. */
    static double drift(double day) {
        if (day < 12 || day >= 45) return 1.0;
        if (day < 20) return 1.0 - (1 - DRIFT_BOTTOM) * (day - 12) / 8;
        if (day < 35) return DRIFT_BOTTOM;
        return DRIFT_BOTTOM + (1 - DRIFT_BOTTOM) * (day - 35) / 10;
    }

    private List<GeneratedEvent> withFaults(List<GeneratedEvent> events, long t0) {
        List<GeneratedEvent> out = new ArrayList<>(events.size() + 4);
        for (GeneratedEvent e : events) {
            out.add(e);
            if (options.duplicateShare() > 0 && random.nextDouble() < options.duplicateShare()) {
                out.add(new GeneratedEvent(e.topic(), e.key(), e.value(), e.occurredAt(), Fault.DUPLICATE));
            }
            if (options.badShare() > 0 && random.nextDouble() < options.badShare()) out.add(bad(t0));
        }
        return out;
    }

    private GeneratedEvent bad(long t0) {
        ChannelProfile c = channels.get(random.nextInt(channels.size()));
        long at = t0 + random.nextLong(HOUR);
        Fault[] kinds = {Fault.RANDOM_BYTES, Fault.WRONG_MAGIC_BYTE, Fault.UNKNOWN_SCHEMA_ID, Fault.TRUNCATED_AVRO,
                Fault.NEGATIVE_AMOUNT, Fault.UNKNOWN_CURRENCY, Fault.QUALITY_OUT_OF_RANGE, Fault.UNKNOWN_CUSTOMER};
        Fault f = kinds[random.nextInt(kinds.length)];
        return switch (f) {
            case QUALITY_OUT_OF_RANGE -> lead(c, at, f);
            case UNKNOWN_CUSTOMER -> churn("ghost-" + (++ids), at, f);
            default -> spend(c, c.dailySpend() / 24 + 1, at, f);
        };
    }

    private List<GeneratedEvent> rates(long at) {
        List<GeneratedEvent> out = new ArrayList<>();
        for (Map.Entry<String, Double> e : fx.entrySet().stream().sorted(Map.Entry.comparingByKey()).toList()) {
            double next = e.getValue() * (1 + (random.nextDouble() - 0.5) * 0.006);
            fx.put(e.getKey(), next);
            FxRate r = FxRate.newBuilder().setCurrency(e.getKey())
                    .setRateToReporting(BigDecimal.valueOf(next).setScale(10, RoundingMode.HALF_EVEN))
                    .setValidFrom(Instant.ofEpochMilli(at)).build();
            out.add(new GeneratedEvent(topics.fxRates(), e.getKey(), r, at, Fault.NONE));
        }
        return out;
    }

    private GeneratedEvent spend(ChannelProfile c, double amount, long at, Fault fault) {
        double value = fault == Fault.NEGATIVE_AMOUNT ? -amount : amount;
        String currency = fault == Fault.UNKNOWN_CURRENCY ? "XTS" : c.currency();
        MarketingSpend s = MarketingSpend.newBuilder().setEventId(id("s")).setChannel(c.name())
                .setCampaign(c.name() + "-always-on").setAmount(money(value)).setCurrency(currency)
                .setCategory(SpendCategory.MEDIA).setOccurredAt(Instant.ofEpochMilli(at)).build();
        return new GeneratedEvent(topics.spend(), c.name(), s, at, fault);
    }

    private GeneratedEvent lead(ChannelProfile c, long at, Fault fault) {
        Integer quality = random.nextDouble() < 0.1 ? null
                : (int) Math.max(0, Math.min(100, Math.round(60 + random.nextGaussian() * 18)));
        if (fault == Fault.QUALITY_OUT_OF_RANGE) quality = 150;
        String leadId = id("lead");
        Lead l = Lead.newBuilder().setEventId(id("l")).setLeadId(leadId).setChannel(c.name())
                .setQualityScore(quality).setOccurredAt(Instant.ofEpochMilli(at)).build();
        return new GeneratedEvent(topics.leads(), leadId, l, at, fault);
    }

    private GeneratedEvent conversion(ChannelProfile c, long at, Fault fault) {
        String customer = id("cust");
        active.get(c.name()).add(customer);
        acquiredAt.put(customer, at);
        double revenue = c.monthlyRevenue() * Math.exp(random.nextGaussian() * 0.3 - 0.045);
        Conversion v = Conversion.newBuilder().setEventId(id("c")).setCustomerId(customer).setChannel(c.name())
                .setMonthlyRevenue(money(revenue)).setCurrency(c.currency()).setGrossMargin(c.grossMargin())
                .setOccurredAt(Instant.ofEpochMilli(at)).build();
        return new GeneratedEvent(topics.conversions(), customer, v, at, fault);
    }

    private GeneratedEvent churn(String customer, long at, Fault fault) {
        Churn ch = Churn.newBuilder().setEventId(id("ch")).setCustomerId(customer).setReason("cancelled")
                .setOccurredAt(Instant.ofEpochMilli(at)).build();
        return new GeneratedEvent(topics.churn(), customer, ch, at, fault);
    }

    private String id(String prefix) {
        return prefix + "-" + Long.toString(++ids, 36);
    }

    private static BigDecimal money(double v) {
        return BigDecimal.valueOf(v).setScale(2, RoundingMode.HALF_EVEN).setScale(4, RoundingMode.UNNECESSARY);
    }

    private double noise(double sd) {
        return Math.max(0.2, 1 + random.nextGaussian() * sd);
    }

    private int poisson(double mean) {
        if (mean <= 0) return 0;
        if (mean > 50) return (int) Math.max(0, Math.round(mean + random.nextGaussian() * Math.sqrt(mean)));
        double l = Math.exp(-mean);
        int k = 0;
        double p = 1;
        do {
            k++;
            p *= random.nextDouble();
        } while (p > l);
        return k - 1;
    }

    /** Busier in the afternoon, quiet at night; averages 1 over a day. */
    static double intraday(long t) {
        int h = Instant.ofEpochMilli(t).atZone(ZoneOffset.UTC).getHour();
        return 1 + 0.6 * Math.sin((h - 9) * Math.PI / 12);
    }

    static double weekly(long t) {
        DayOfWeek d = Instant.ofEpochMilli(t).atZone(ZoneOffset.UTC).getDayOfWeek();
        return d == DayOfWeek.SATURDAY || d == DayOfWeek.SUNDAY ? 0.75 : 1.1;
    }
}
