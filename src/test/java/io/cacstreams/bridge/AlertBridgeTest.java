package io.cacstreams.bridge;

import io.cacstreams.events.AlertRule;
import io.cacstreams.events.AlertSeverity;
import io.cacstreams.events.AlertStatus;
import io.cacstreams.events.ChannelAlert;
import io.cacstreams.serde.MockSchemaRegistry;
import io.cacstreams.serde.RegistryAvroSerde;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.internals.AutoOffsetResetStrategy;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/** The bridge's delivery rules, with Kafka's MockConsumer and a recording sink in place of Alertmanager. */
class AlertBridgeTest {
    private static final String TOPIC = "channel-alerts";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final Instant T0 = Instant.parse("2026-02-01T00:00:00Z");

    private final String scope = "bridge-" + UUID.randomUUID();
    private final RegistryAvroSerde<ChannelAlert> serde =
            new RegistryAvroSerde<>(MockSchemaRegistry.client(scope), ChannelAlert.class, false, true);
    private final List<Thread> threads = new ArrayList<>();
    private final List<AlertBridge> bridges = new ArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        bridges.forEach(AlertBridge::close);
        for (Thread t : threads) t.join(5_000);
        MockSchemaRegistry.drop(scope);
    }

    /** Records every batch; fails the first {@code failures} posts, refuses when told to. */
    private static final class Sink implements AlertSink {
        final List<List<PostableAlert>> accepted = new CopyOnWriteArrayList<>();
        final AtomicInteger failures = new AtomicInteger();
        volatile boolean refuse;

        @Override
        public void post(List<PostableAlert> alerts) throws Unavailable, Rejected {
            if (failures.getAndDecrement() > 0) throw new Unavailable("down", null);
            if (refuse) throw new Rejected("HTTP 400 bad");
            accepted.add(alerts);
        }
    }

    private static ChannelAlert alert(String channel, AlertStatus status, AlertSeverity severity,
                                      AlertSeverity previous) {
        return ChannelAlert.newBuilder()
                .setAlertId("id-" + channel).setDedupKey("cac-streams/LTV_CAC_BELOW_TARGET/" + channel + "/7d")
                .setRule(AlertRule.LTV_CAC_BELOW_TARGET).setChannel(channel).setWindowDays(7).setStatus(status)
                .setSeverity(severity).setPreviousSeverity(previous).setRatio(2.0).setThreshold(3.0)
                .setCriticalThreshold(1.0).setSpend(100).setNewCustomers(20).setReportingCurrency("USD")
                .setStartsAt(T0).setEndsAt(status == AlertStatus.RESOLVED ? T0.plusSeconds(3600) : null)
                .setEvaluatedAt(T0).setMessage("m " + channel).setSource("cac-streams")
                .setLabels(Map.of("alertname", "LTV_CAC_BELOW_TARGET", "channel", channel, "window", "7d",
                        "rule", "LTV_CAC_BELOW_TARGET", "severity", severity.name().toLowerCase(), "team", "growth"))
                .build();
    }

    /** A consumer over one partition holding {@code alerts} at offsets 0, 1, ... */
    private MockConsumer<String, byte[]> consumer(List<ChannelAlert> alerts) {
        MockConsumer<String, byte[]> c = new MockConsumer<>(AutoOffsetResetStrategy.EARLIEST.name());
        c.updatePartitions(TOPIC, List.of(new PartitionInfo(TOPIC, 0, Node.noNode(), new Node[0], new Node[0])));
        c.updateBeginningOffsets(Map.of(P0, 0L));
        c.updateEndOffsets(Map.of(P0, (long) alerts.size()));
        c.schedulePollTask(() -> {
            for (int i = 0; i < alerts.size(); i++) add(c, i, alerts.get(i));
        });
        return c;
    }

    private void add(MockConsumer<String, byte[]> c, long offset, ChannelAlert a) {
        c.addRecord(new ConsumerRecord<>(TOPIC, 0, offset, a.getDedupKey(), serde.serializer().serialize(TOPIC, a)));
    }

    private AlertBridge start(MockConsumer<String, byte[]> c, Sink sink, Duration resend) {
        AlertBridge b = new AlertBridge(c, serde.deserializer(), TOPIC, sink,
                new AlertBridge.Options(resend, Duration.ofMillis(10)), Clock.systemUTC());
        Thread t = new Thread(b::run, "bridge-test");
        t.start();
        threads.add(t);
        bridges.add(b);
        return b;
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition not met within 10 s").isLessThan(deadline);
            Thread.sleep(5); // polling a condition of another thread, with a deadline
        }
    }

    private static Long committed(MockConsumer<String, byte[]> c) {
        OffsetAndMetadata o = c.committed(Set.of(P0)).get(P0);
        return o == null ? null : o.offset();
    }

    @Test
    void onStartItDeliversTheTopicAndCommitsOnlyOnceAccepted() throws Exception {
        ChannelAlert a = alert("paid", AlertStatus.FIRING, AlertSeverity.WARNING, null);
        ChannelAlert b = alert("social", AlertStatus.FIRING, AlertSeverity.WARNING, null);
        ChannelAlert bResolved = alert("social", AlertStatus.RESOLVED, AlertSeverity.WARNING, null);
        MockConsumer<String, byte[]> c = consumer(List.of(a, b, bResolved));
        Sink sink = new Sink();
        sink.failures.set(3);
        start(c, sink, Duration.ofHours(1));

        await(() -> sink.failures.get() < 0);
        await(() -> !sink.accepted.isEmpty());
        await(() -> committed(c) != null);
        assertThat(committed(c)).isEqualTo(3L);
        List<PostableAlert> first = sink.accepted.get(0);
        // one alert per label set: social's FIRING is superseded by its RESOLVED
        assertThat(first).extracting(p -> p.labels().get("channel")).containsExactlyInAnyOrder("paid", "social");
        PostableAlert paid = first.stream().filter(p -> p.labels().get("channel").equals("paid")).findFirst().get();
        PostableAlert social = first.stream().filter(p -> p.labels().get("channel").equals("social")).findFirst()
                .get();
        assertThat(Instant.parse(paid.endsAt())).isAfter(Instant.now().plus(Duration.ofHours(3)));
        assertThat(social.endsAt()).isEqualTo(T0.plusSeconds(3600).toString());
        assertThat(paid.labels()).containsEntry("team", "growth").containsEntry("severity", "warning");
        assertThat(paid.annotations()).containsEntry("alert_id", "id-paid").containsKey("summary");
    }

    @Test
    void afterARestartItDeliversWhatWasNotCommittedAndKeepsResendingOpenAlerts() throws Exception {
        ChannelAlert a = alert("paid", AlertStatus.FIRING, AlertSeverity.WARNING, null);
        ChannelAlert b = alert("social", AlertStatus.FIRING, AlertSeverity.WARNING, null);
        ChannelAlert bResolved = alert("social", AlertStatus.RESOLVED, AlertSeverity.WARNING, null);
        MockConsumer<String, byte[]> c = consumer(List.of(a, b, bResolved));
        c.commitSync(Map.of(P0, new OffsetAndMetadata(2))); // the RESOLVED was read, never confirmed
        Sink sink = new Sink();
        AlertBridge bridge = start(c, sink, Duration.ofMillis(100));

        await(() -> sink.accepted.size() >= 3);
        assertThat(bridge.openAlerts()).containsOnlyKeys(a.getDedupKey());
        assertThat(sink.accepted.get(0)).extracting(p -> p.labels().get("channel"), p -> p.endsAt())
                .contains(org.assertj.core.groups.Tuple.tuple("social", T0.plusSeconds(3600).toString()));
        // the re-sends: the open alert only, each valid for 4 re-send intervals (400 ms) from its own post
        List<List<PostableAlert>> posts = List.copyOf(sink.accepted);
        Instant previous = Instant.MIN;
        for (List<PostableAlert> resend : posts.subList(1, 3)) {
            assertThat(resend).singleElement().satisfies(p -> assertThat(p.labels()).containsEntry("channel", "paid"));
            Instant ends = Instant.parse(resend.get(0).endsAt());
            assertThat(ends).isAfter(previous).isBefore(Instant.now().plusMillis(401));
            previous = ends;
        }
        assertThat(committed(c)).isEqualTo(3L);
    }

    @Test
    void aChangeOfSeverityResolvesThePreviousLabelSet() throws Exception {
        ChannelAlert warning = alert("paid", AlertStatus.FIRING, AlertSeverity.WARNING, null);
        ChannelAlert critical = alert("paid", AlertStatus.FIRING, AlertSeverity.CRITICAL, AlertSeverity.WARNING);
        MockConsumer<String, byte[]> c = consumer(List.of(warning));
        c.commitSync(Map.of(P0, new OffsetAndMetadata(1)));
        Sink sink = new Sink();
        start(c, sink, Duration.ofHours(1));
        await(() -> sink.accepted.size() == 1);

        c.schedulePollTask(() -> add(c, 1, critical));
        await(() -> sink.accepted.size() == 2);
        List<PostableAlert> change = sink.accepted.get(1);
        assertThat(change).hasSize(2);
        PostableAlert old = change.stream().filter(p -> p.labels().get("severity").equals("warning")).findFirst()
                .get();
        PostableAlert now = change.stream().filter(p -> p.labels().get("severity").equals("critical")).findFirst()
                .get();
        assertThat(Instant.parse(old.endsAt())).isBeforeOrEqualTo(Instant.now());
        assertThat(Instant.parse(now.endsAt())).isAfter(Instant.now());
        assertThat(now.annotations()).containsEntry("previous_severity", "WARNING");
        await(() -> Long.valueOf(2L).equals(committed(c)));
    }

    @Test
    void aRefusedBatchIsSkippedAndAnUndecodableRecordToo() throws Exception {
        MockConsumer<String, byte[]> c = consumer(List.of());
        Sink sink = new Sink();
        sink.refuse = true;
        start(c, sink, Duration.ofHours(1));
        c.schedulePollTask(() -> {
            c.addRecord(new ConsumerRecord<>(TOPIC, 0, 0, "k", new byte[]{1, 2, 3}));
            add(c, 1, alert("paid", AlertStatus.FIRING, AlertSeverity.WARNING, null));
        });
        await(() -> Long.valueOf(2L).equals(committed(c)));
        assertThat(sink.accepted).isEmpty();
    }

    @Test
    void timesAreClampedToTheBridgesClock() {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        ChannelAlert future = ChannelAlert.newBuilder(alert("paid", AlertStatus.RESOLVED, AlertSeverity.WARNING,
                null)).setStartsAt(now.plusSeconds(600)).setEndsAt(now.plusSeconds(900)).build();
        PostableAlert p = AlertmanagerMapping.ofTransition(future, now, Duration.ofMinutes(4)).get(0);
        assertThat(p.startsAt()).isEqualTo(now.toString());
        assertThat(p.endsAt()).isEqualTo(now.toString());
        // a record of the first schema version has no labels: they are made from its fields
        ChannelAlert v1 = ChannelAlert.newBuilder(alert("paid", AlertStatus.FIRING, AlertSeverity.CRITICAL, null))
                .setLabels(Map.of()).setSource(null).build();
        assertThat(AlertmanagerMapping.labels(v1, AlertSeverity.CRITICAL)).containsExactlyInAnyOrderEntriesOf(Map.of(
                "alertname", "LTV_CAC_BELOW_TARGET", "rule", "LTV_CAC_BELOW_TARGET", "channel", "paid",
                "window", "7d", "severity", "critical"));
    }
}
