package io.cacstreams.model;

import io.cacstreams.events.Churn;
import io.cacstreams.events.Conversion;
import io.cacstreams.events.FxRate;
import io.cacstreams.events.Lead;
import io.cacstreams.events.MarketingSpend;
import io.cacstreams.events.SpendCategory;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import org.apache.avro.specific.SpecificRecord;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Realistic but nasty event streams: a few channels with changing spend levels (so LTV:CAC crosses its thresholds
 * both ways), a base of customers acquired early and churned later (so churn rates, LTV and ratios are defined), a
 * conversion drought on one channel (NO_CONVERSIONS), out-of-order and far too late events, duplicates (right after
 * their originals, and weeks of event time later as an upstream replay would send them, some with other bytes: the
 * same event written with a newer schema version), churns before their conversion, churns of unknown and of
 * churned customers, reactivations, ALREADY_ACTIVE conversions, churns before acquisition, three foreign currencies
 * (one priced by fx-rates and a static rate, one by fx-rates only, one unknown), bad bytes and bad fields, and
 * flushes at random points and at the end.
 */
public final class ScenarioGenerator {
    private static final String[] CHANNELS = {"search", "social", "email", "affiliate"};
    private static final long MINUTE = 60_000L;
    private static final long HOUR = 60 * MINUTE;
    private static final long DAY = 24 * HOUR;

    /** The jqwik arbitrary: a seed, expanded procedurally (failures are minimised by {@link Minimizer}, not by jqwik). */
    public static Arbitrary<Scenario> scenarios(int minEvents, int maxEvents) {
        return Arbitraries.longs().map(seed -> new ScenarioGenerator(new Random(seed), minEvents, maxEvents).generate());
    }

    private final Random rnd;
    private final int minEvents;
    private final int maxEvents;

    // settings
    private final Map<String, String> settings = new TreeMap<>();
    private List<String> channels;
    private long longest;
    private long grace;

    // generation state
    private final List<ModelInput> out = new ArrayList<>();
    private final List<ModelInput.Event> sent = new ArrayList<>();
    private long now;
    private int ids;
    private final Map<String, Cust> customers = new LinkedHashMap<>();
    private final Map<Integer, List<Runnable>> scheduled = new HashMap<>();
    private int events;
    private String launch;
    private long launchAt;
    private long launchConvertsFrom;
    private final Map<String, double[]> regimes = new HashMap<>();
    private long gbpFrom;
    /** When set, every occurredAt is snapped to this grid (ms), so that boundary ties actually happen. */
    private long grid;
    private long bucket;
    /** The accept horizon: the longest window, or the dedup retention when that is set shorter. */
    private long horizon;
    private long hold;
    /** Producer-side estimates of the stage clocks (max occurredAt sent), to aim at boundaries. */
    private long maxSpend = Long.MIN_VALUE;
    private long maxLead = Long.MIN_VALUE;
    private long maxCustomer = Long.MIN_VALUE;
    private long maxAny = Long.MIN_VALUE;
    private final TreeMap<Long, List<Runnable>> atTime = new TreeMap<>();

    private static final class Cust {
        final String id;
        String channel;
        long acquiredAt;
        boolean active;
        /** The conversion that acquired the customer (last), for copies of it re-sent after a churn. */
        ModelInput.Event conversion;

        Cust(String id, String channel, long acquiredAt) {
            this.id = id;
            this.channel = channel;
            this.acquiredAt = acquiredAt;
            this.active = true;
        }
    }

    public ScenarioGenerator(Random rnd, int minEvents, int maxEvents) {
        this.rnd = rnd;
        this.minEvents = minEvents;
        this.maxEvents = maxEvents;
    }

    public Scenario generate() {
        settings();
        if (rnd.nextDouble() < 0.25) grid = rnd.nextBoolean() ? HOUR : 30 * MINUTE;
        int n = minEvents + rnd.nextInt(maxEvents - minEvents + 1);
        long t0 = Instant.parse("2025-01-06T00:00:00Z").toEpochMilli() + rnd.nextInt(24 * 60) * MINUTE
                + rnd.nextInt(60_000);
        long span = (long) (longest * (2.2 + rnd.nextDouble() * 1.3));
        now = t0;

        // spend regimes: each channel's spend level changes a few times; one channel may stop converting for a while
        for (String c : channels) {
            double base = 20 + rnd.nextDouble() * 180;
            regimes.put(c, new double[]{base, multiplier(), t0 + (long) (rnd.nextDouble() * longest)});
        }
        String drought = rnd.nextDouble() < 0.8 ? channels.get(rnd.nextInt(channels.size())) : null;
        // a channel launched later, with spend and leads only for more than a window (NO_CONVERSIONS' "full window")
        if (rnd.nextDouble() < 0.4) {
            launch = channels.get(rnd.nextInt(channels.size()));
            launchAt = t0 + (long) (span * (0.15 + rnd.nextDouble() * 0.2));
            launchConvertsFrom = launchAt + longest + (long) (rnd.nextDouble() * longest / 2);
            regimes.get(launch)[1] = Math.pow(10, -1.5 + rnd.nextDouble());
        }
        long droughtFrom = t0 + (long) (span * (0.2 + rnd.nextDouble() * 0.3));
        long droughtTo = droughtFrom + longest + (long) (rnd.nextDouble() * longest);

        // fx-rates: EUR (also static) from some point, GBP only from some point (before: UNKNOWN_CURRENCY)
        long eurFrom = t0 + (long) (span * (0.15 + rnd.nextDouble() * 0.25));
        long eur2From = t0 + (long) (span * (0.5 + rnd.nextDouble() * 0.3));
        gbpFrom = t0 + (long) (span * (0.05 + rnd.nextDouble() * 0.25));
        TreeMap<Long, ModelInput.Event> fxPlan = new TreeMap<>();
        fxPlan.put(eurFrom - rnd.nextInt(6) * HOUR - HOUR, fxEvent("EUR", rate(1.05, 1.15), eurFrom));
        fxPlan.put(eur2From - rnd.nextInt(6) * HOUR - HOUR, fxEvent("EUR", rate(1.0, 1.2), eur2From));
        fxPlan.put(gbpFrom - rnd.nextInt(6) * HOUR - HOUR, fxEvent("GBP", rate(1.2, 1.3), gbpFrom));
        if (rnd.nextDouble() < 0.2) {
            fxPlan.put(t0 + (long) (span * rnd.nextDouble()), fxEvent("EUR", new BigDecimal("-1.0000000000"), t0 + span / 2));
        }
        if (rnd.nextDouble() < 0.1) {
            fxPlan.put(t0 + (long) (span * rnd.nextDouble()) + 1, new ModelInput.Event(InputTopic.FX,
                    new Payload.Bad(Payload.BadKind.WRONG_MAGIC, null, randomBytes(), 0), t0));
        }

        events = n;
        for (int i = 0; i < n; i++) {
            now = t0 + span * i / n + rnd.nextInt((int) Math.max(1, span / n / 2));
            while (!fxPlan.isEmpty() && fxPlan.firstKey() <= now) send(fxPlan.pollFirstEntry().getValue());
            List<Runnable> due = scheduled.remove(i);
            if (due != null) due.forEach(Runnable::run);
            while (!atTime.isEmpty() && atTime.firstKey() <= now) atTime.pollFirstEntry().getValue().forEach(Runnable::run);
            if (grid > 0 && rnd.nextDouble() < 0.04) boundaryProbe();
            double phase = (double) (now - t0) / span;
            if (phase < 0.22) {
                // build a customer base
                double p = rnd.nextDouble();
                if (p < 0.5) conversion(anyChannel());
                else if (p < 0.75) spend(anyChannel());
                else if (p < 0.95) lead(anyChannel());
                else bad();
            } else {
                double p = rnd.nextDouble();
                if (p < 0.20) spend(anyChannel());
                else if (p < 0.36) lead(anyChannel());
                else if (p < 0.53) {
                    String c = anyChannel();
                    if (c.equals(drought) && now >= droughtFrom && now < droughtTo) spend(c);
                    else conversion(c);
                } else if (p < 0.68) churnSomeone();
                else if (p < 0.74) duplicate();
                else if (p < 0.80) bad();
                else if (p < 0.88) special(i);
                else if (p < 0.92) outOfOrder();
                else if (p < 0.96 && drought != null && now >= droughtFrom - longest && now < droughtTo) spend(drought);
                else if (p < 0.97 && launch != null && now >= launchAt) spend(launch);
                else flushOrSpend();
            }
        }
        new TreeMap<>(scheduled).values().forEach(list -> list.forEach(Runnable::run));
        new ArrayList<>(atTime.values()).forEach(list -> list.forEach(Runnable::run));
        out.add(new ModelInput.Flush());
        return new Scenario(settings, out);
    }

    // ------------------------------------------------------------------------------------------------ settings

    private void settings() {
        switch (rnd.nextInt(6)) {
            case 0 -> put("1d,3d", "1h");
            case 1 -> put("1d,3d", "6h");
            case 2 -> put("2d,7d", "6h");
            case 3 -> put("3d,14d", "6h"); // an accept horizon of weeks: spend and leads re-sent weeks later
            case 4 -> put("7d,30d", "12h");
            default -> put("1d,2d", "2h");
        }
        horizon = longest;
        grace = rnd.nextDouble() < 0.7 ? DAY : 12 * HOUR;
        settings.put("cac.grace", grace == DAY ? "1d" : "12h");
        hold = rnd.nextBoolean() ? DAY : 2 * DAY;
        settings.put("cac.churn.hold", hold == DAY ? "1d" : "2d");
        settings.put("cac.alert.min.new.customers", rnd.nextBoolean() ? "2" : "3");
        if (rnd.nextDouble() < 0.4) settings.put("cac.alert.threshold", rnd.nextBoolean() ? "2.0" : "4.0");
        if (rnd.nextDouble() < 0.3) settings.put("cac.alert.critical", "0.5");
        if (rnd.nextDouble() < 0.3) settings.put("cac.alert.hysteresis", "0.2");
        if (rnd.nextDouble() < 0.25) settings.put("cac.alert.for", rnd.nextBoolean() ? "6h" : "12h");
        int nChannels = 2 + rnd.nextInt(3);
        List<String> all = new ArrayList<>(List.of(CHANNELS));
        java.util.Collections.shuffle(all, rnd);
        channels = List.copyOf(all.subList(0, nChannels));
        if (rnd.nextDouble() < 0.4) {
            String c = channels.get(0);
            switch (rnd.nextInt(4)) {
                case 0 -> settings.put("cac.alert.channel." + c + ".threshold", "6.0");
                case 1 -> settings.put("cac.alert.channel." + c + ".for", "1d");
                case 2 -> settings.put("cac.alert.channel." + c + ".min.new.customers", "1");
                default -> {
                    settings.put("cac.alert.channel." + c + ".threshold", "1.5");
                    settings.put("cac.alert.channel." + c + ".critical", "0.3");
                }
            }
        }
        if (rnd.nextDouble() < 0.3) settings.put("cac.margin.channel." + channels.get(channels.size() - 1), "0.6");
        if (rnd.nextDouble() < 0.3) settings.put("cac.margin.default", "0.8");
        if (rnd.nextDouble() < 0.8) settings.put("cac.fx.static.EUR", "1.1");
        if (rnd.nextDouble() < 0.15) settings.put("cac.ltv.monthly.discount.rate", "0.01");
        if (rnd.nextDouble() < 0.15) settings.put("cac.ltv.horizon.months", "36");
        if (rnd.nextDouble() < 0.15) {
            settings.put("cac.dedup.retention", "1d"); // shrinks the accept horizon
            horizon = DAY;
        }
    }

    private void put(String windows, String bucketText) {
        settings.put("cac.windows", windows);
        settings.put("cac.bucket", bucketText);
        bucket = Long.parseLong(bucketText.substring(0, bucketText.length() - 1)) * HOUR;
        longest = Long.parseLong(windows.substring(windows.lastIndexOf(',') + 1, windows.length() - 1)) * DAY;
    }

    // ------------------------------------------------------------------------------------------------ events

    private String anyChannel() {
        String c = channels.get(rnd.nextInt(channels.size()));
        if (c.equals(launch) && now < launchAt) return channels.get((channels.indexOf(c) + 1) % channels.size());
        return c;
    }

    private double multiplier() {
        return Math.pow(10, -1.5 + rnd.nextDouble() * 2.5);
    }

    /** occurredAt: mostly just before now; sometimes out of order; rarely far too late. */
    private long eventTime() {
        double p = rnd.nextDouble();
        if (p < 0.08) return now - HOUR - (long) (rnd.nextDouble() * longest);
        if (p < 0.11) return now - longest - grace - HOUR - (long) (rnd.nextDouble() * DAY);
        return now - (long) (rnd.nextDouble() * 20 * MINUTE);
    }

    private String currency(double eur, double gbp, double jpy) {
        double p = rnd.nextDouble();
        if (p < eur) return "EUR";
        if (p < eur + gbp) return "GBP";
        if (p < eur + gbp + jpy) return "JPY";
        return "USD";
    }

    private void spend(String channel) {
        double[] regime = regimes.get(channel);
        if (now > regime[2]) {
            regime[1] = multiplier();
            regime[2] = now + (long) ((0.3 + rnd.nextDouble()) * longest);
        }
        double amount = regime[0] * regime[1] * (0.5 + rnd.nextDouble());
        if (rnd.nextDouble() < 0.03) amount = 0;
        send(InputTopic.SPEND, spendRecord("sp-" + (++ids), channel, money(amount), currency(0.25, 0.1, 0.04), eventTime()));
    }

    private MarketingSpend spendRecord(String eventId, String channel, BigDecimal amount, String ccy, long t) {
        return MarketingSpend.newBuilder().setEventId(eventId).setChannel(channel)
                .setCampaign(rnd.nextBoolean() ? null : "camp-" + rnd.nextInt(3)).setAmount(amount).setCurrency(ccy)
                .setCategory(SpendCategory.values()[rnd.nextInt(4)]).setOccurredAt(Instant.ofEpochMilli(t)).build();
    }

    private void lead(String channel) {
        send(InputTopic.LEADS, leadRecord("ld-" + (++ids), channel, rnd.nextDouble() < 0.7 ? rnd.nextInt(101) : null, eventTime()));
    }

    private Lead leadRecord(String eventId, String channel, Integer quality, long t) {
        return Lead.newBuilder().setEventId(eventId).setLeadId("lead-" + (++ids)).setChannel(channel)
                .setCampaign(null).setQualityScore(quality).setOccurredAt(Instant.ofEpochMilli(t)).build();
    }

    /** A conversion of a new customer. */
    private void conversion(String channel) {
        if (channel.equals(launch) && now < launchConvertsFrom) {
            if (rnd.nextBoolean()) spend(channel); else lead(channel);
            return;
        }
        long t = eventTime();
        Cust c = new Cust("cu-" + (++ids), channel, t);
        c.conversion = send(InputTopic.CONVERSIONS, conversionRecord("cv-" + (++ids), c.id, channel, t));
        customers.put(c.id, c);
    }

    private Conversion conversionRecord(String eventId, String customerId, String channel, long t) {
        Double margin = null;
        double p = rnd.nextDouble();
        if (p < 0.03) margin = rnd.nextBoolean() ? 0.0 : 1.0;
        else if (p < 0.5) margin = Math.round((0.2 + rnd.nextDouble() * 0.75) * 100) / 100.0;
        return Conversion.newBuilder().setEventId(eventId).setCustomerId(customerId)
                .setLeadId(rnd.nextBoolean() ? null : "lead-" + rnd.nextInt(1000)).setChannel(channel).setCampaign(null)
                .setMonthlyRevenue(money(20 + rnd.nextDouble() * 280)).setCurrency(currency(0.2, 0.08, 0.02))
                .setGrossMargin(margin).setOccurredAt(Instant.ofEpochMilli(t)).build();
    }

    private Churn churnRecord(String eventId, String customerId, long t) {
        return Churn.newBuilder().setEventId(eventId).setCustomerId(customerId)
                .setReason(rnd.nextBoolean() ? null : "price").setOccurredAt(Instant.ofEpochMilli(t)).build();
    }

    /** Churns an active customer, old ones more often (churn "from the start"). */
    private void churnSomeone() {
        List<Cust> active = customers.values().stream().filter(c -> c.active).toList();
        if (active.isEmpty()) {
            spend(anyChannel());
            return;
        }
        Cust c = rnd.nextDouble() < 0.7 ? active.get(rnd.nextInt(Math.max(1, active.size() / 2))) : pick(active);
        long t = Math.max(eventTime(), c.acquiredAt + MINUTE);
        send(InputTopic.CHURN, churnRecord("ch-" + (++ids), c.id, t));
        c.active = false;
    }

    private void special(int i) {
        switch (rnd.nextInt(7)) {
            case 0 -> { // churn before its conversion arrives: held, then applied (or before acquisition)
                String id = "cu-" + (++ids);
                long tChurn = now - (long) (rnd.nextDouble() * 3 * HOUR);
                send(InputTopic.CHURN, churnRecord("ch-" + (++ids), id, tChurn));
                long tConv = rnd.nextDouble() < 0.75 ? tChurn - (long) ((0.1 + rnd.nextDouble() * 12) * HOUR)
                        : tChurn + (long) ((0.1 + rnd.nextDouble() * 3) * HOUR);
                String ch = anyChannel();
                schedule(i + 1 + rnd.nextInt(6), () -> send(InputTopic.CONVERSIONS, conversionRecord("cv-" + (++ids), id, ch, tConv)));
            }
            case 1 -> { // a churn of a customer never seen: held, then UNKNOWN_CUSTOMER (or converted much later)
                String ghost = "cu-ghost-" + (++ids);
                send(InputTopic.CHURN, churnRecord("ch-" + (++ids), ghost, eventTime()));
                if (rnd.nextDouble() < 0.35) {
                    String ch = anyChannel();
                    schedule(i + events / 6 + rnd.nextInt(Math.max(1, events / 3)),
                            () -> send(InputTopic.CONVERSIONS, conversionRecord("cv-" + (++ids), ghost, ch, now)));
                }
            }
            case 2 -> { // a churn of a churned customer: held, then CUSTOMER_NOT_ACTIVE (unless reactivated)
                List<Cust> gone = customers.values().stream().filter(c -> !c.active).toList();
                if (gone.isEmpty()) churnSomeone();
                else send(InputTopic.CHURN, churnRecord("ch-" + (++ids), pick(gone).id, eventTime()));
            }
            case 3 -> { // reactivation, possibly on another channel
                List<Cust> gone = customers.values().stream().filter(c -> !c.active).toList();
                if (gone.isEmpty()) {
                    conversion(anyChannel());
                } else {
                    Cust c = pick(gone);
                    long t = eventTime();
                    String ch = anyChannel();
                    c.conversion = send(InputTopic.CONVERSIONS, conversionRecord("cv-" + (++ids), c.id, ch, t));
                    c.active = true;
                    c.channel = ch;
                    c.acquiredAt = t;
                }
            }
            case 4 -> { // a conversion of an active customer: ALREADY_ACTIVE
                List<Cust> active = customers.values().stream().filter(c -> c.active).toList();
                if (active.isEmpty()) conversion(anyChannel());
                else send(InputTopic.CONVERSIONS, conversionRecord("cv-" + (++ids), pick(active).id, anyChannel(), eventTime()));
            }
            case 5 -> { // a churn dated before the customer's acquisition
                List<Cust> active = customers.values().stream().filter(c -> c.active).toList();
                if (active.isEmpty()) churnSomeone();
                else {
                    Cust c = pick(active);
                    send(InputTopic.CHURN, churnRecord("ch-" + (++ids), c.id, c.acquiredAt - (long) ((0.1 + rnd.nextDouble() * 20) * HOUR)));
                }
            }
            default -> { // unknown currency
                if (rnd.nextBoolean()) {
                    send(InputTopic.SPEND, spendRecord("sp-" + (++ids), anyChannel(), money(50), rnd.nextBoolean() ? "JPY" : "GBP", eventTime()));
                } else {
                    Conversion c = conversionRecord("cv-" + (++ids), "cu-" + (++ids), anyChannel(), eventTime());
                    c.setCurrency("JPY");
                    send(InputTopic.CONVERSIONS, c);
                }
            }
        }
    }

    private void outOfOrder() {
        long saved = now;
        now = now - (long) (rnd.nextDouble() * (longest + grace));
        switch (rnd.nextInt(3)) {
            case 0 -> spend(anyChannel());
            case 1 -> lead(anyChannel());
            default -> churnSomeone();
        }
        now = saved;
    }

    private void duplicate() {
        if (sent.isEmpty()) {
            spend(anyChannel());
            return;
        }
        double p = rnd.nextDouble();
        if (p < 0.15) {
            // an event just inside the LATE horizon, re-sent at once
            long saved = now;
            now = now - horizon - grace + HOUR + (long) (rnd.nextDouble() * 6 * HOUR);
            switch (rnd.nextInt(3)) {
                case 0 -> spend(anyChannel());
                case 1 -> lead(anyChannel());
                default -> churnSomeone();
            }
            now = saved;
            resend(sent.get(sent.size() - 1));
            return;
        }
        if (p < 0.45 && weeksLater()) return;
        if (p < 0.55) {
            // a conversion re-sent after its customer churned: a copy, never a reactivation
            List<Cust> gone = customers.values().stream().filter(c -> !c.active && c.conversion != null).toList();
            if (!gone.isEmpty()) {
                resend(pick(gone).conversion);
                return;
            }
        }
        int from = rnd.nextDouble() < 0.2 ? 0 : Math.max(0, sent.size() - 20);
        ModelInput.Event e = sent.get(from + rnd.nextInt(sent.size() - from));
        if (e.topic() == InputTopic.FX) {
            spend(anyChannel());
            return;
        }
        resend(e);
    }

    /**
     * An upstream replay: a copy of an event sent more than a week of event time ago (spend and leads only while
     * still inside the accept horizon, else the copy is simply LATE). False if there is none yet.
     */
    private boolean weeksLater() {
        long weekAgo = maxAny - 7 * DAY - HOUR;
        long horizonStart = Math.max(maxSpend, maxLead) - horizon + grace + 2 * bucket;
        List<ModelInput.Event> old = sent.stream().filter(e -> e.payload() instanceof Payload.Valid v
                && e.topic() != InputTopic.FX && occurredAt(v.record()) <= weekAgo
                && (e.topic() == InputTopic.CONVERSIONS || e.topic() == InputTopic.CHURN
                || occurredAt(v.record()) > horizonStart)).toList();
        if (old.isEmpty()) return false;
        resend(pick(old));
        return true;
    }

    /** A copy of an event: as it was, or (half of the time) written with the other schema version: other bytes. */
    private void resend(ModelInput.Event e) {
        Payload payload = e.payload();
        if (payload instanceof Payload.Valid v && rnd.nextBoolean()) payload = new Payload.Valid(v.record(), !v.v2());
        send(new ModelInput.Event(e.topic(), payload, now));
    }

    private void bad() {
        InputTopic topic = InputTopic.values()[rnd.nextInt(4)];
        SpecificRecord basis = switch (topic) {
            case SPEND -> spendRecord("sp-" + (++ids), anyChannel(), money(10), "USD", now);
            case LEADS -> leadRecord("ld-" + (++ids), anyChannel(), 50, now);
            case CONVERSIONS -> conversionRecord("cv-" + (++ids), "cu-" + (++ids), anyChannel(), now);
            default -> churnRecord("ch-" + (++ids), "cu-" + (++ids), now);
        };
        double p = rnd.nextDouble();
        if (p < 0.12) {
            send(new ModelInput.Event(topic, new Payload.Bad(Payload.BadKind.WRONG_MAGIC, null, randomBytes(), 0), now));
        } else if (p < 0.2) {
            byte[] b = new byte[rnd.nextInt(5)];
            rnd.nextBytes(b);
            if (b.length > 0) b[0] = 0;
            send(new ModelInput.Event(topic, new Payload.Bad(Payload.BadKind.SHORT, null, b, 0), now));
        } else if (p < 0.32) {
            send(new ModelInput.Event(topic, new Payload.Bad(Payload.BadKind.UNKNOWN_SCHEMA_ID, basis, null, 0), now));
        } else if (p < 0.45) {
            send(new ModelInput.Event(topic, new Payload.Bad(Payload.BadKind.TRUNCATED, basis, null, rnd.nextInt(1000)), now));
        } else {
            // a readable record with one bad field
            switch (topic) {
                case SPEND -> {
                    MarketingSpend s = (MarketingSpend) basis;
                    switch (rnd.nextInt(4)) {
                        case 0 -> s.setEventId("");
                        case 1 -> s.setChannel("");
                        case 2 -> s.setChannel("ALL");
                        default -> s.setAmount(money(-(1 + rnd.nextInt(500))));
                    }
                }
                case LEADS -> {
                    Lead l = (Lead) basis;
                    switch (rnd.nextInt(4)) {
                        case 0 -> l.setEventId("");
                        case 1 -> l.setLeadId("");
                        case 2 -> l.setChannel("ALL");
                        default -> l.setQualityScore(rnd.nextBoolean() ? 150 : -1);
                    }
                }
                case CONVERSIONS -> {
                    Conversion c = (Conversion) basis;
                    switch (rnd.nextInt(4)) {
                        case 0 -> c.setCustomerId("");
                        case 1 -> c.setEventId("");
                        case 2 -> c.setChannel("");
                        default -> c.setMonthlyRevenue(money(-(1 + rnd.nextInt(100))));
                    }
                }
                default -> {
                    Churn c = (Churn) basis;
                    if (rnd.nextBoolean()) c.setCustomerId(""); else c.setEventId("");
                }
            }
            send(topic, basis);
        }
    }

    private void flushOrSpend() {
        out.add(new ModelInput.Flush());
        if (rnd.nextDouble() < 0.1) out.add(new ModelInput.Flush());
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private ModelInput.Event send(InputTopic topic, SpecificRecord record) {
        if (grid > 0) {
            if (record instanceof MarketingSpend r) r.setOccurredAt(snap(r.getOccurredAt()));
            else if (record instanceof Lead r) r.setOccurredAt(snap(r.getOccurredAt()));
            else if (record instanceof Conversion r) r.setOccurredAt(snap(r.getOccurredAt()));
            else if (record instanceof Churn r) r.setOccurredAt(snap(r.getOccurredAt()));
        }
        long t = occurredAt(record);
        if (record instanceof MarketingSpend) maxSpend = Math.max(maxSpend, t);
        if (record instanceof Lead) maxLead = Math.max(maxLead, t);
        if (record instanceof Conversion || record instanceof Churn) maxCustomer = Math.max(maxCustomer, t);
        maxAny = Math.max(maxAny, t);
        // a newer producer writes some events with the next schema version
        ModelInput.Event e = new ModelInput.Event(topic, new Payload.Valid(record, rnd.nextDouble() < 0.1), now);
        send(e);
        return e;
    }

    private static long occurredAt(SpecificRecord record) {
        if (record instanceof MarketingSpend r) return r.getOccurredAt().toEpochMilli();
        if (record instanceof Lead r) return r.getOccurredAt().toEpochMilli();
        if (record instanceof Conversion r) return r.getOccurredAt().toEpochMilli();
        if (record instanceof Churn r) return r.getOccurredAt().toEpochMilli();
        return Long.MIN_VALUE;
    }

    /**
     * In grid mode: an event exactly at (or one grid step inside) the LATE horizon of spend, leads or (never LATE)
     * conversions, or a held churn whose conversion is read exactly at the end of the hold.
     */
    private void boundaryProbe() {
        long late = horizon + grace;
        long inside = rnd.nextBoolean() ? 0 : grid;
        switch (rnd.nextInt(4)) {
            case 0 -> {
                if (maxSpend == Long.MIN_VALUE) return;
                send(InputTopic.SPEND, spendRecord("sp-" + (++ids), anyChannel(), money(10), "USD", maxSpend - late + inside));
            }
            case 1 -> {
                if (maxLead == Long.MIN_VALUE) return;
                send(InputTopic.LEADS, leadRecord("ld-" + (++ids), anyChannel(), 10, maxLead - late + inside));
            }
            case 2 -> {
                if (maxCustomer == Long.MIN_VALUE) return;
                send(InputTopic.CONVERSIONS, conversionRecord("cv-" + (++ids), "cu-" + (++ids), anyChannel(),
                        maxCustomer - late + inside));
            }
            default -> {
                // a churn of a customer not converted yet; later, the conversions clock moved exactly to the end of
                // its hold (if it is not past it already) and the customer's conversion, dated before the churn
                String id = "cu-" + (++ids);
                long churnAt = Math.floorDiv(now, grid) * grid - grid;
                send(InputTopic.CHURN, churnRecord("ch-" + (++ids), id, churnAt));
                long at = churnAt + hold;
                atTime.computeIfAbsent(at - 2 * grid, k -> new ArrayList<>()).add(() -> {
                    send(InputTopic.CONVERSIONS, conversionRecord("cv-" + (++ids), "cu-" + (++ids), anyChannel(), at));
                    send(InputTopic.CONVERSIONS, conversionRecord("cv-" + (++ids), id, anyChannel(), churnAt - grid));
                });
            }
        }
    }

    private Instant snap(Instant t) {
        return Instant.ofEpochMilli(Math.floorDiv(t.toEpochMilli(), grid) * grid);
    }

    private void send(ModelInput.Event e) {
        out.add(e);
        sent.add(e);
    }

    private void schedule(int at, Runnable r) {
        scheduled.computeIfAbsent(at, k -> new ArrayList<>()).add(r);
    }

    private ModelInput.Event fxEvent(String ccy, BigDecimal rate, long validFrom) {
        FxRate r = FxRate.newBuilder().setCurrency(ccy).setRateToReporting(rate).setValidFrom(Instant.ofEpochMilli(validFrom)).build();
        return new ModelInput.Event(InputTopic.FX, new Payload.Valid(r), validFrom);
    }

    private BigDecimal rate(double lo, double hi) {
        return BigDecimal.valueOf(lo + rnd.nextDouble() * (hi - lo)).setScale(10, RoundingMode.HALF_UP);
    }

    private static BigDecimal money(double amount) {
        return BigDecimal.valueOf(amount).setScale(4, RoundingMode.HALF_UP);
    }

    private byte[] randomBytes() {
        byte[] b = new byte[5 + rnd.nextInt(40)];
        rnd.nextBytes(b);
        if (b[0] == 0) b[0] = (byte) (1 + rnd.nextInt(200));
        return b;
    }

    private <T> T pick(List<T> list) {
        return list.get(rnd.nextInt(list.size()));
    }

}
