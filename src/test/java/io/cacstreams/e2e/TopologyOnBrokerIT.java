package io.cacstreams.e2e;

import io.cacstreams.devstack.ApicurioProcess;
import io.cacstreams.devstack.EmbeddedKafka;
import io.cacstreams.config.TopicNames;
import io.cacstreams.events.AlertRule;
import io.cacstreams.events.AlertSeverity;
import io.cacstreams.events.AlertStatus;
import io.cacstreams.events.ChannelAlert;
import io.cacstreams.events.ChannelMetrics;
import io.cacstreams.events.DeadLetter;
import io.cacstreams.events.DeadLetterReason;
import io.cacstreams.events.FxRate;
import io.cacstreams.events.MetricStatus;
import io.cacstreams.generator.ChannelProfile;
import io.cacstreams.generator.EventEncoder;
import io.cacstreams.generator.Fault;
import io.cacstreams.generator.GeneratedEvent;
import io.cacstreams.generator.SyntheticMarket;
import io.cacstreams.serde.AvroCodec;
import io.cacstreams.verify.ExpectedFigures;
import io.cacstreams.verify.OutputCheck;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.locks.LockSupport;

import static io.cacstreams.e2e.Events.close;
import static io.cacstreams.e2e.Events.conversion;
import static io.cacstreams.e2e.Events.day;
import static io.cacstreams.e2e.Events.near;
import static io.cacstreams.e2e.Events.spend;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real topology on a real (in-JVM KRaft) broker with a real schema registry (Apicurio, as a child process),
 * exactly-once v2, RocksDB state: inputs written with the project's serde, outputs read back with read_committed.
 * The TopologyTestDriver tests check the semantics in depth; these check that they survive real partitions,
 * repartition topics, transactions, the global fx store and a registry over HTTP.
 */
class TopologyOnBrokerIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static EmbeddedKafka kafka;
    private static ApicurioProcess apicurio;

    @BeforeAll
    static void startBrokerAndRegistry() throws Exception {
        kafka = EmbeddedKafka.start();
        apicurio = Infra.startApicurio("topology-on-broker");
    }

    @AfterAll
    static void stop() {
        if (apicurio != null) apicurio.close();
        if (kafka != null) kafka.close();
    }

    /** Moves event time on (a spend of 0 on a channel of its own), so that what came before settles. */
    private static void tick(StreamsUnderTest app, Instant at) {
        app.sendAsync(app.topicNames().spend(), "tick", at, spend(Events.id(), "zz-tick", "0", "USD", at));
    }

    private static StreamsUnderTest start(String prefix, Map<String, String> settings, int inputPartitions) {
        return StreamsUnderTest.start(kafka.bootstrapServers(), apicurio.ccompatUrl(), prefix, settings,
                inputPartitions);
    }

    /**
     * One channel, fed in phases (each waits for the previous one to show in the output, so that the order across
     * topics is known): a customer base, churns and leads, new customers, then spend that drives LTV:CAC below
     * 1:1 (CRITICAL alert), then enough new customers to lift the interval above 3:1 (RESOLVED).
     */
    @Test
    void eventsBecomeMetricsAndAnAlertThatFiresAndResolves() {
        // tens of customers: at 50.5 % confidence the LTV:CAC bounds are nearly the ratio itself, so the rule acts on
        // the ratio (LtvCacIntervalTest and the alert report check the interval at its default)
        try (StreamsUnderTest app = start("alerts", Map.of("cac.windows", "7d", "cac.alert.min.new.customers", "5",
                "cac.alert.confidence", "0.505", "cac.margin.default", "0.8", "cac.emit.interval", "250ms"), 2)) {
            TopicNames t = app.topicNames();
            app.sendAsync(t.fxRates(), "EUR", day(0), Events.fx("EUR", "1.10", day(0)));
            // the channel's first spend, weeks before the window checked: the 7-day window is past its warm-up
            app.sendAsync(t.spend(), "paid", day(1), spend(Events.id(), "paid", "50", "USD", day(1)));
            for (int i = 0; i < 100; i++) {
                app.sendAsync(t.conversions(), "old-" + i, day(1), conversion("old-" + i, "paid", "100", "USD", null,
                        day(1)));
            }
            app.flush();
            app.await(WAIT, "100 active customers", () -> activeIs(app, 100));

            for (int i = 0; i < 5; i++) app.sendAsync(t.churn(), "old-" + i, day(20), Events.churn("old-" + i, day(20)));
            for (int i = 0; i < 40; i++) {
                // qualities 40, 50, 60 and one unknown, ten times: average 50 over the 30 known
                Integer quality = i % 4 == 3 ? null : 40 + 10 * (i % 4);
                app.sendAsync(t.leads(), null, day(19 + i * 0.02), Events.lead("paid", quality, day(19 + i * 0.02)));
            }
            app.flush();
            app.await(WAIT, "5 churns and 40 leads", () -> {
                ChannelMetrics m = app.out.latest("paid", 7);
                return m != null && m.getActiveCustomers() == 95 && m.getChurned() == 5 && m.getLeads() == 40;
            });

            for (int i = 0; i < 10; i++) {
                app.sendAsync(t.conversions(), "new-" + i, day(20.01 + i * 0.001),
                        conversion("new-" + i, "paid", "100", "USD", null, day(20.01 + i * 0.001)));
            }
            app.flush();
            app.await(WAIT, "10 new customers", () -> {
                ChannelMetrics m = app.out.latest("paid", 7);
                return m != null && m.getNewCustomers() == 10 && m.getActiveCustomers() == 105;
            });
            assertThat(app.out.latest("paid", 7).getStatus()).as("no spend: CAC 0, never below 3:1")
                    .isEqualTo(MetricStatus.OK);
            assertThat(app.out.alerts).isEmpty();

            // same key, same partition: processed in this order
            app.sendAsync(t.spend(), "paid", day(20.2), spend(Events.id(), "paid", "6500", "USD", day(20.2)));
            app.sendAsync(t.spend(), "paid", day(20.3), spend(Events.id(), "paid", "1000", "EUR", day(20.3)));
            app.flush();
            // ALL is another key, so possibly another task: wait for both
            app.await(WAIT, "spend of 7600", () -> spendIs(app, "paid", 7600) && spendIs(app, "ALL", 7600));
            // Alerts are evaluated on settled buckets: event time must pass them + grace. The tick comes once the
            // spend is counted: the spend's partition had been idle, so a tick sent with it could settle its
            // buckets before it arrives (the documented idle-partition dependence, docs/semantics.md)
            tick(app, day(20.45));
            app.flush();
            // the alert and the metrics records are on different topics, so the alert can be read before the
            // records of the hours settled with it: wait for both
            Instant lastSpendHourEnd = day(20).plus(Duration.ofHours(8));
            app.await(WAIT, "an alert and the hour of the last spend", () -> !app.out.alertsFor("paid", 7).isEmpty()
                    && settledThrough(app, "paid", lastSpendHourEnd) && settledThrough(app, "ALL", lastSpendHourEnd));

            // 5 of the 100 customers at the window's start churned: 5 % in 7 days
            double monthlyChurn = 1 - Math.pow(0.95, 30.0 / 7);
            double ltv = 100 * 0.8 * (1 - monthlyChurn) / monthlyChurn;
            ChannelMetrics m = app.out.latest("paid", 7);
            assertThat(m.getWindowDays()).isEqualTo(7);
            assertThat(m.getAsOf()).isEqualTo(m.getWindowEnd().minusMillis(1));
            // at least to the end of 07:00-08:00 (the last spend); further once the tick's bucket settles
            assertThat(m.getWindowEnd()).isAfterOrEqualTo(lastSpendHourEnd);
            assertThat(m.getWindowStart()).isEqualTo(m.getWindowEnd().minus(Duration.ofDays(7)));
            assertThat(m.getReportingCurrency()).isEqualTo("USD");
            close(m.getSpend(), 7600); // 6500 USD + 1000 EUR at 1.10
            assertThat(m.getLeads()).isEqualTo(40);
            close(m.getAvgLeadQuality(), 50);
            close(m.getCpl(), 190);
            assertThat(m.getNewCustomers()).isEqualTo(10);
            close(m.getLeadToCustomerRate(), 0.25);
            assertThat(m.getChurned()).isEqualTo(5);
            assertThat(m.getChurnedNew()).isZero();
            assertThat(m.getActiveCustomers()).isEqualTo(105);
            assertThat(m.getCustomersAtStart()).isEqualTo(100);
            close(m.getCac(), 760);
            close(m.getArpu(), 100);
            close(m.getGrossMargin(), 0.8);
            close(m.getChurnRate(), 0.05);
            close(m.getMonthlyChurnRate(), monthlyChurn);
            close(m.getRetentionRate(), 1 - monthlyChurn);
            close(m.getLtv(), ltv);
            close(m.getLtvToCac(), ltv / 760);
            close(m.getCacPaybackMonths(), 760 / 80.0);
            assertThat(m.getStatus()).as(app.out.summary()).isEqualTo(MetricStatus.CRITICAL);
            ChannelMetrics all = app.out.latest("ALL", 7);
            close(all.getSpend(), 7600);
            close(all.getLtvToCac(), ltv / 760);

            List<ChannelAlert> alerts = app.out.alertsFor("paid", 7);
            assertThat(alerts).hasSize(1);
            ChannelAlert firing = alerts.get(0);
            assertThat(firing.getStatus()).isEqualTo(AlertStatus.FIRING);
            assertThat(firing.getSeverity()).isEqualTo(AlertSeverity.CRITICAL);
            assertThat(firing.getRule()).isEqualTo(AlertRule.LTV_CAC_BELOW_TARGET);
            assertThat(firing.getDedupKey()).isEqualTo("cac-streams/LTV_CAC_BELOW_TARGET/paid/7d");
            // it fired when the first spend record (6500 USD, the first in a new bucket) was counted, and the second
            // (CRITICAL still) is no transition: the alert carries the figures of the evaluation that fired it
            close(firing.getRatio(), ltv / 650);
            close(firing.getCac(), 650);
            close(firing.getLtv(), ltv);
            close(firing.getSpend(), 6500);
            assertThat(firing.getNewCustomers()).isEqualTo(10);
            assertThat(firing.getThreshold()).isEqualTo(3.0);
            assertThat(firing.getCriticalThreshold()).isEqualTo(1.0);
            assertThat(firing.getRunbookUrl()).isNotBlank();
            assertThat(firing.getEndsAt()).isNull();
            assertThat(app.out.alerts).filteredOn(a -> a.value().getChannel().equals("paid"))
                    .allSatisfy(a -> assertThat(a.key()).isEqualTo(a.value().getDedupKey()));
            assertThat(app.out.metrics).allSatisfy(r -> assertThat(r.key())
                    .isEqualTo(r.value().getChannel() + "|" + r.value().getWindowDays() + "d"));

            // 90 more customers: CAC 7600 / 100 = 76, LTV:CAC 4.28; the interval's lower bound (exact bounds on 5
            // churns and 100 customers stay a count wide at any confidence) is back above 3 -> RESOLVED
            for (int i = 10; i < 100; i++) {
                app.sendAsync(t.conversions(), "new-" + i, day(20.5 + i * 0.001),
                        conversion("new-" + i, "paid", "100", "USD", null, day(20.5 + i * 0.001)));
            }
            app.flush();
            app.await(WAIT, "100 new customers", () -> newIs(app, "paid", 100) && newIs(app, "ALL", 100));
            tick(app, day(20.7)); // as above: after the conversions, whose partitions had been idle
            app.flush();
            Instant conversionsHourEnd = day(20).plus(Duration.ofHours(13));
            app.await(WAIT, "the alert resolved and the conversions' hour", () -> {
                List<ChannelAlert> a = app.out.alertsFor("paid", 7);
                return a.get(a.size() - 1).getStatus() == AlertStatus.RESOLVED
                        && settledThrough(app, "paid", conversionsHourEnd);
            });
            m = app.out.latest("paid", 7);
            assertThat(m.getWindowEnd()).isAfterOrEqualTo(conversionsHourEnd);
            close(m.getCac(), 76);
            close(m.getLtv(), ltv);
            close(m.getLtvToCac(), ltv / 76);
            assertThat(m.getActiveCustomers()).isEqualTo(195);
            assertThat(m.getCustomersAtStart()).isEqualTo(100);
            assertThat(m.getStatus()).isEqualTo(MetricStatus.OK);
            alerts = app.out.alertsFor("paid", 7);
            ChannelAlert resolved = alerts.get(alerts.size() - 1);
            assertThat(resolved.getAlertId()).isEqualTo(firing.getAlertId());
            assertThat(resolved.getEndsAt()).isNotNull();
            assertThat(resolved.getStartsAt()).isEqualTo(firing.getStartsAt());
            // on the way up it may pass through WARNING (at or above 1.05) depending on emission timing
            assertThat(alerts.subList(1, alerts.size() - 1)).allSatisfy(a -> {
                assertThat(a.getStatus()).isEqualTo(AlertStatus.FIRING);
                assertThat(a.getSeverity()).isEqualTo(AlertSeverity.WARNING);
            });
            assertThat(OutputCheck.alerts(app.out.alertValues())).isEmpty();
        }
    }

    private static boolean spendIs(StreamsUnderTest app, String channel, double spend) {
        ChannelMetrics m = app.out.latest(channel, 7);
        return m != null && near(m.getSpend(), spend);
    }

    /**
     * Whether a settled 7-day record of the channel covering event time up to {@code end} has been read. A live
     * snapshot can reach further before the hours settle, and the settled records of earlier hours come after it;
     * once this one is read, every later record of the key covers at least as much.
     */
    private static boolean settledThrough(StreamsUnderTest app, String channel, Instant end) {
        String key = channel + "|7d";
        return app.out.metrics.stream().anyMatch(r -> r.key().equals(key)
                && Boolean.TRUE.equals(r.value().getSettled()) && !r.value().getWindowEnd().isBefore(end));
    }

    private static boolean newIs(StreamsUnderTest app, String channel, long n) {
        ChannelMetrics m = app.out.latest(channel, 7);
        return m != null && m.getNewCustomers() == n;
    }

    private static boolean activeIs(StreamsUnderTest app, long n) {
        ChannelMetrics m = app.out.latest("paid", 7);
        return m != null && m.getActiveCustomers() == n;
    }

    @Test
    void badRecordsAreDeadLetteredWithTheirOriginAndTheNextGoodRecordCounts() {
        try (StreamsUnderTest app = start("dead", Map.of("cac.windows", "7d", "cac.emit.interval", "250ms"), 2)) {
            String topic = app.topicNames().spend();
            byte[] junk = new byte[24];
            new SplittableRandom(7).nextBytes(junk);
            junk[0] = 0x7f; // not the magic byte
            byte[] junkKey = "junk-1".getBytes(StandardCharsets.UTF_8);
            byte[] negative = app.encode(topic, spend("neg-1", "search", "-5", "USD", day(1.05)));
            byte[] searchKey = "search".getBytes(StandardCharsets.UTF_8);

            app.send(topic, "search", day(1).toEpochMilli(), spend(Events.id(), "search", "10", "USD", day(1)));
            RecordMetadata junkAt = app.send(topic, junkKey, day(1.01).toEpochMilli(), junk);
            RecordMetadata negativeAt = app.send(topic, searchKey, day(1.05).toEpochMilli(), negative);
            app.send(topic, "search", day(1.1).toEpochMilli(), spend(Events.id(), "search", "20", "USD", day(1.1)));

            // ALL is another key, so possibly another task: wait for both
            app.await(WAIT, "two dead letters and spend 30", () -> app.out.dead.size() >= 2
                    && spendIs(app, "search", 30) && spendIs(app, "ALL", 30));
            assertThat(app.out.dead).hasSize(2);
            close(app.out.latest("ALL", 7).getSpend(), 30);

            var malformed = app.out.dead.stream().filter(d -> d.value().getReason() == DeadLetterReason.MALFORMED)
                    .findFirst().orElseThrow();
            DeadLetter bad = malformed.value();
            assertThat(malformed.key()).isEqualTo(junkKey);
            assertThat(bad.getSourceTopic()).isEqualTo(topic);
            assertThat(bad.getSourcePartition()).isEqualTo(junkAt.partition());
            assertThat(bad.getSourceOffset()).isEqualTo(junkAt.offset());
            assertThat(bad.getSourceTimestamp()).isEqualTo(day(1.01));
            assertThat(bytes(bad.getValue())).isEqualTo(junk);
            assertThat(bytes(bad.getKey())).isEqualTo(junkKey);
            assertThat(bad.getSchemaId()).isNull();
            assertThat(bad.getEventId()).isNull();
            assertThat(bad.getDetail()).contains("magic byte");

            var negativeLetter = app.out.dead.stream()
                    .filter(d -> d.value().getReason() == DeadLetterReason.NEGATIVE_AMOUNT).findFirst().orElseThrow();
            DeadLetter neg = negativeLetter.value();
            assertThat(negativeLetter.key()).isEqualTo(searchKey);
            assertThat(neg.getSourceTopic()).isEqualTo(topic);
            assertThat(neg.getSourcePartition()).isEqualTo(negativeAt.partition());
            assertThat(neg.getSourceOffset()).isEqualTo(negativeAt.offset());
            assertThat(neg.getEventId()).isEqualTo("neg-1");
            assertThat(neg.getSchemaId()).isEqualTo(AvroCodec.schemaIdOf(negative));
            assertThat(bytes(neg.getValue())).isEqualTo(negative);
        }
    }

    /**
     * Ten simulated days of the demo market at a tenth of its volume (with its bad records and duplicates), produced
     * as fast as the broker takes them, on three partitions per input: every final (channel, window) figure is
     * recomputed independently from the produced events (ExpectedFigures), the alert transitions are checked for
     * consistency (and no transition twice, as exactly-once promises) and every bad record must be dead-lettered
     * with its reason.
     *
     * <p>Default state (RocksDB) and six repartition partitions: the figures agree 7 to 10 s after the last event
     * is sent on a busy two-core machine (2 to 4 s with in-memory stores).
     */
    @Test
    void aSyntheticMarketIsCountedExactly() {
        Map<String, String> settings = Map.of(
                "cac.windows", "7d,30d",
                "cac.emit.interval", "250ms",
                // a finite horizon keeps LTV defined when a small channel sees no churn in a window
                "cac.ltv.horizon.months", "36",
                "cac.alert.min.new.customers", "3",
                // a target no channel meets, so that one alert certainly fires
                "cac.alert.channel.paid_search.threshold", "1000");
        try (StreamsUnderTest app = start("market", settings, 3)) {
            SyntheticMarket market = new SyntheticMarket(42, Events.T0, app.topicNames(),
                    ChannelProfile.defaults().stream().map(c -> c.scaled(0.1)).toList(),
                    new SyntheticMarket.Options(0.01, 0.01));
            EventEncoder encoder = new EventEncoder(app.registry, 42);
            ExpectedFigures expected = new ExpectedFigures(app.config);
            Map<Fault, Integer> faults = new EnumMap<>(Fault.class);
            List<GeneratedEvent> history = market.history();
            List<GeneratedEvent> live = new ArrayList<>();
            for (int hour = 0; hour < 10 * 24; hour++) live.addAll(market.nextHour());
            long t0 = System.nanoTime();
            // The customer base (100 to 150 days back) first, as a backfill, and only then the live days. Sending
            // both at once fails: see FxHistoryTest in the topology tests (rates of the live days, loaded by the
            // global thread ahead of the backfill, push the backfill's rates out of the fx store's history).
            produce(app, encoder, history, expected, faults);
            app.await(WAIT, "the backfill consumed", app::inputsConsumed);
            long backfilled = System.nanoTime();
            produce(app, encoder, live, expected, faults);
            System.out.printf("[%s] backfill of %d events consumed after %d ms; %d live events produced in %d ms: %s%n",
                    app.name, history.size(), (backfilled - t0) / 1_000_000, live.size(),
                    (System.nanoTime() - backfilled) / 1_000_000, faults);
            assertThat(faults.keySet()).contains(Fault.DUPLICATE, Fault.RANDOM_BYTES);
            long produced = System.nanoTime();

            List<String> mismatches = new ArrayList<>();
            app.await(Duration.ofSeconds(150), () -> "every final figure as recomputed; differences: " + mismatches,
                    () -> {
                        mismatches.clear();
                        if (!app.inputsConsumed()) {
                            mismatches.add("inputs not all consumed yet");
                            return false;
                        }
                        mismatches.addAll(expected.checkDeadLetters(app.out.deadLettersByReason()));
                        for (String channel : expected.channels()) {
                            for (int days : new int[]{7, 30}) {
                                ChannelMetrics last = app.out.latest(channel, days);
                                if (last == null) {
                                    mismatches.add("no metrics for " + channel + "|" + days + "d");
                                } else {
                                    mismatches.addAll(OutputCheck.compare(
                                            expected.expect(channel, days, last.getAsOf().toEpochMilli()), last));
                                }
                            }
                        }
                        return mismatches.isEmpty();
                    });
            System.out.printf("[%s] all %d (channel, window) figures agree %d ms after the last event was sent; "
                            + "%d metrics records, %d alerts, dead letters %s (certain: %s, %d churns may be held)%n",
                    app.name, app.out.latest().size(), (System.nanoTime() - produced) / 1_000_000,
                    app.out.metrics.size(), app.out.alerts.size(), app.out.deadLettersByReason(),
                    expected.deadLetters(), expected.heldChurns());
            assertThat(app.out.latest().keySet()).hasSize(expected.channels().size() * 2);
            // alerts are evaluated on settled buckets: the last ones settle once every input partition is idle
            app.await(WAIT, "an alert for paid_search over 7 days", () -> !app.out.alertsFor("paid_search", 7).isEmpty());
            assertThat(OutputCheck.alerts(app.out.alertValues())).isEmpty();
        }
    }

    /**
     * Issue 8: the settled metrics of every bucket and the alert transitions are a function of the input alone. The
     * same input (a market with duplicates, and 5 % of its live events re-sent as a late batch after the others,
     * days to weeks after their originals) is played twice into three partitions per topic, under two application
     * ids: once as fast as the broker takes it, once throttled to 400 events/s. Both runs must publish the same
     * settled records, key by key and in order, and the same alert transitions.
     */
    @Test
    void theSameInputFastOrThrottledGivesTheSameSettledMetricsAndAlerts() {
        Map<String, String> settings = Map.of("cac.windows", "7d,30d", "cac.emit.interval", "250ms",
                "cac.ltv.horizon.months", "36", "cac.alert.min.new.customers", "3",
                "cac.alert.channel.paid_search.threshold", "1000",
                // the throttled run must not leave a partition silent long enough to count as idle
                "cac.idle.timeout", "15s");
        Replayed fast = replay(settings, 0);
        Replayed throttled = replay(settings, 400);
        assertThat(fast.settled().keySet()).isNotEmpty().isEqualTo(throttled.settled().keySet());
        for (String key : fast.settled().keySet()) {
            List<ChannelMetrics> f = fast.settled().get(key);
            List<ChannelMetrics> t = throttled.settled().get(key);
            for (int i = 0; i < Math.min(f.size(), t.size()); i++) {
                assertThat(t.get(i)).as("settled record %d of %s (fast %d records, throttled %d)", i, key, f.size(),
                        t.size()).isEqualTo(f.get(i));
            }
            assertThat(t).as("settled records of " + key).hasSameSizeAs(f);
        }
        assertThat(fast.alerts()).as("alert transitions").isNotEmpty().isEqualTo(throttled.alerts());
    }

    private record Replayed(Map<String, List<ChannelMetrics>> settled, List<ChannelAlert> alerts) {
    }

    private static Replayed replay(Map<String, String> settings, int eventsPerSecond) {
        try (StreamsUnderTest app = StreamsUnderTest.create(kafka.bootstrapServers(), apicurio.ccompatUrl(), "replay",
                settings, 3)) {
            SyntheticMarket market = new SyntheticMarket(7, Events.T0, app.topicNames(),
                    ChannelProfile.defaults().stream().map(c -> c.scaled(0.1)).toList(),
                    new SyntheticMarket.Options(0.01, 0.02));
            EventEncoder encoder = new EventEncoder(app.registry, 7);
            List<GeneratedEvent> history = new ArrayList<>(market.history());
            List<GeneratedEvent> live = new ArrayList<>();
            for (int hour = 0; hour < 20 * 24; hour++) live.addAll(market.nextHour());
            SplittableRandom pick = new SplittableRandom(11);
            List<GeneratedEvent> resent = live.stream().filter(e -> !(e.value() instanceof FxRate))
                    .filter(e -> e.fault() == Fault.NONE && pick.nextDouble() < 0.05).toList();
            live.addAll(resent);
            // every rate before the application starts: the global fx store is loaded by a thread of its own, so a
            // rate produced while running may be loaded after an event it prices (docs/semantics.md, "What still
            // depends on timing"); rates present at start are all loaded before the first event is read
            List<GeneratedEvent> rates = new ArrayList<>();
            for (List<GeneratedEvent> events : List.of(history, live)) {
                rates.addAll(events.stream().filter(e -> e.value() instanceof FxRate).toList());
                events.removeIf(e -> e.value() instanceof FxRate);
            }
            throttled(app, encoder, rates, 0);
            app.start();
            throttled(app, encoder, history, eventsPerSecond);
            app.await(WAIT, "the backfill consumed", app::inputsConsumed);
            throttled(app, encoder, live, eventsPerSecond);
            long newest = live.stream().filter(e -> e.fault() == Fault.NONE && !(e.value() instanceof FxRate))
                    .mapToLong(GeneratedEvent::occurredAt).max().orElseThrow();
            // once every partition is idle, everything up to the newest event minus the grace (1 h) is settled
            Instant lastEnd = Instant.ofEpochMilli(Math.floorDiv(newest - 3_600_000L, 3_600_000L) * 3_600_000L);
            app.await(Duration.ofSeconds(120), "every key settled up to " + lastEnd, () -> app.inputsConsumed()
                    && !app.out.latest().isEmpty() && app.out.latest().keySet().stream().allMatch(key ->
                    app.out.metrics.stream().anyMatch(o -> o.key().equals(key)
                            && Boolean.TRUE.equals(o.value().getSettled())
                            && o.value().getWindowEnd().equals(lastEnd))));
            Map<String, List<ChannelMetrics>> settled = new TreeMap<>();
            for (var o : app.out.metrics) {
                if (Boolean.TRUE.equals(o.value().getSettled())) {
                    settled.computeIfAbsent(o.key(), k -> new ArrayList<>()).add(o.value());
                }
            }
            // the source (the application id, in the labels too) names the run; everything else must be equal
            List<ChannelAlert> alerts = app.out.alertValues().stream()
                    .map(a -> {
                        Map<String, String> labels = new TreeMap<>(a.getLabels());
                        labels.remove("source");
                        return ChannelAlert.newBuilder(a).setSource("").setLabels(labels).build();
                    })
                    .sorted(Comparator.comparing(ChannelAlert::getDedupKey)
                            .thenComparing(ChannelAlert::getEvaluatedAt))
                    .toList();
            System.out.printf("[%s] %d events at %s, %d settled records, %d alert transitions, dead letters %s%n",
                    app.name, history.size() + live.size(), eventsPerSecond == 0 ? "full speed"
                            : eventsPerSecond + "/s", settled.values().stream().mapToInt(List::size).sum(),
                    alerts.size(), app.out.deadLettersByReason());
            return new Replayed(settled, alerts);
        }
    }

    /** Produces {@code events}, at most {@code perSecond} a second (0: as fast as the broker takes them). */
    private static void throttled(StreamsUnderTest app, EventEncoder encoder, List<GeneratedEvent> events,
                                  int perSecond) {
        long start = System.nanoTime();
        for (int i = 0; i < events.size(); i++) {
            GeneratedEvent e = events.get(i);
            byte[] key = e.key().getBytes(StandardCharsets.UTF_8);
            if (e.value() instanceof FxRate) {
                app.flush();
                app.send(e.topic(), key, e.occurredAt(), encoder.encode(e));
            } else {
                app.sendAsync(e.topic(), key, e.occurredAt(), encoder.encode(e));
            }
            if (perSecond > 0) {
                long due = start + (long) i * 1_000_000_000L / perSecond;
                while (System.nanoTime() < due) LockSupport.parkNanos(due - System.nanoTime()); // pacing, not waiting
            }
        }
        app.flush();
    }

    private static void produce(StreamsUnderTest app, EventEncoder encoder, List<GeneratedEvent> events,
                                ExpectedFigures expected, Map<Fault, Integer> faults) {
        for (GeneratedEvent e : events) {
            byte[] key = e.key().getBytes(StandardCharsets.UTF_8);
            if (e.value() instanceof FxRate) {
                // "publish rates before the events they price" (docs/semantics.md): an asynchronous send to another
                // topic gives no order, so each rate is acknowledged before anything after it is sent
                app.flush();
                app.send(e.topic(), key, e.occurredAt(), encoder.encode(e));
            } else {
                app.sendAsync(e.topic(), key, e.occurredAt(), encoder.encode(e));
            }
            expected.accept(e);
            faults.merge(e.fault(), 1, Integer::sum);
        }
        app.flush();
    }

    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }
}
