package io.cacstreams.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import io.cacstreams.devstack.EmbeddedKafka;
import io.cacstreams.config.AppConfig;
import io.cacstreams.config.TopicSetup;
import io.cacstreams.events.AlertRule;
import io.cacstreams.events.AlertSeverity;
import io.cacstreams.events.AlertStatus;
import io.cacstreams.events.ChannelAlert;
import io.cacstreams.serde.MockSchemaRegistry;
import io.cacstreams.serde.RegistryAvroSerde;
import io.cacstreams.serde.SchemaRegistryClient;
import io.cacstreams.testing.DebianPackages;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The alert bridge between a real (in-JVM KRaft) broker and a real Alertmanager (Debian's
 * {@code prometheus-alertmanager}, a child process): alerts written to a compacted {@code channel-alerts} topic with
 * the project's serde appear in Alertmanager, stay active past its resolve timeout and past their own validity while
 * they fire (re-sends), resolve, and survive a restart of the bridge. Where Alertmanager is neither installed nor can be
 * fetched, it fails saying what to install, unless CAC_SKIP_ALERTMANAGER=1.
 */
class AlertBridgeIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Duration RESEND = Duration.ofSeconds(1);
    private static final Duration RESOLVE_TIMEOUT = Duration.ofSeconds(2);

    @TempDir
    static Path dir;
    private static EmbeddedKafka kafka;
    private static AlertmanagerProcess alertmanager;

    @BeforeAll
    static void start() throws Exception {
        AlertmanagerProcess.Binary binary;
        try {
            binary = AlertmanagerProcess.binary();
        } catch (DebianPackages.Unavailable e) {
            binary = DebianPackages.skipOrFail(e, "CAC_SKIP_ALERTMANAGER");
        }
        System.out.println("alertmanager: " + binary.executable());
        alertmanager = AlertmanagerProcess.start(binary, dir, Path.of("target", "alertmanager-AlertBridgeIT.log"),
                RESOLVE_TIMEOUT);
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stop() {
        if (kafka != null) kafka.close();
        if (alertmanager != null) alertmanager.close();
    }

    private static ChannelAlert alert(String channel, String id, AlertStatus status, AlertSeverity severity,
                                      AlertSeverity previous, Instant startsAt) {
        return ChannelAlert.newBuilder()
                .setAlertId(id).setDedupKey("cac-streams/LTV_CAC_BELOW_TARGET/" + channel + "/7d")
                .setRule(AlertRule.LTV_CAC_BELOW_TARGET).setChannel(channel).setWindowDays(7).setStatus(status)
                .setSeverity(severity).setPreviousSeverity(previous).setRatio(2.1).setLtvToCacLower(1.6)
                .setLtvToCacUpper(2.8).setConfidence(0.9).setThreshold(3.0).setCriticalThreshold(1.0)
                .setCac(300.0).setLtv(630.0).setSpend(9000).setNewCustomers(30).setReportingCurrency("USD")
                .setStartsAt(startsAt).setEndsAt(status == AlertStatus.RESOLVED ? Instant.now() : null)
                .setEvaluatedAt(Instant.now()).setRunbookUrl("https://runbooks.example.com/ltv-cac")
                .setDashboardUrl("https://grafana.example.com/d/cac?var-channel=" + channel)
                .setMessage("[" + severity + "] " + channel + " over 7d: LTV:CAC 2.10").setSource("cac-it")
                .setSummary(channel + " over 7d: LTV:CAC below 3.00").setDescription("LTV:CAC 2.10 (90% 1.60-2.80)")
                .setLabels(Map.of("alertname", "LTV_CAC_BELOW_TARGET", "rule", "LTV_CAC_BELOW_TARGET",
                        "channel", channel, "window", "7d", "severity", severity.name().toLowerCase(),
                        "source", "cac-it", "team", "growth"))
                .build();
    }

    /** The bridge as the command builds it: the application's config, consumer settings and serde. */
    private static final class Bridge implements AutoCloseable {
        final AlertBridge bridge;
        final KafkaConsumer<String, byte[]> consumer;
        final Thread thread;

        Bridge(AppConfig cfg, SchemaRegistryClient registry, String group) {
            consumer = new KafkaConsumer<>(AlertBridgeCommand.consumerProperties(cfg, group), new StringDeserializer(),
                    new ByteArrayDeserializer());
            bridge = new AlertBridge(consumer, new RegistryAvroSerde<>(registry, ChannelAlert.class, false, false)
                    .deserializer(), cfg.topics().alerts(), new AlertmanagerClient(alertmanager.url(),
                    Duration.ofSeconds(5)), new AlertBridge.Options(RESEND, Duration.ofMillis(200)),
                    Clock.systemUTC());
            thread = new Thread(bridge::run, "alert-bridge-it");
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            bridge.close();
            thread.join(WAIT.toMillis());
            consumer.close();
        }
    }

    /** The alert Alertmanager holds with these labels, if any (it lists active alerts only). */
    private static Optional<JsonNode> held(String channel, String severity) throws Exception {
        for (JsonNode a : alertmanager.alerts()) {
            JsonNode l = a.get("labels");
            if (l.path("channel").asText().equals(channel) && l.path("severity").asText().equals(severity)
                    && l.path("source").asText().equals("cac-it")) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }

    private interface Check {
        boolean holds() throws Exception;
    }

    private static void await(String what, Check check) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!check.holds()) {
            if (System.nanoTime() > deadline) throw new AssertionError(what + ": not within " + WAIT);
            Thread.sleep(100); // polling Alertmanager's API, bounded by the deadline
        }
    }

    @Test
    void forwardsFiringKeepsItAliveResolvesAndLosesNothingAcrossARestart() throws Exception {
        String topic = "channel-alerts-" + UUID.randomUUID();
        kafka.createTopics(List.of(new NewTopic(topic, Optional.of(2), Optional.empty())
                .configs(TopicSetup.COMPACTED)));
        String scope = "bridge-it-" + UUID.randomUUID();
        Map<String, String> settings = new HashMap<>(kafka.clientProperties());
        settings.put("cac.registry.url", "mock://" + scope);
        settings.put("cac.topic.alerts", topic);
        settings.put("application.id", "cac-it");
        AppConfig cfg = AppConfig.from(settings);
        String group = "bridge-" + UUID.randomUUID();
        Instant startsAt = Instant.now().minusSeconds(3600).truncatedTo(ChronoUnit.MILLIS);
        try (SchemaRegistryClient registry = MockSchemaRegistry.client(scope);
             KafkaProducer<String, ChannelAlert> producer = new KafkaProducer<>(
                     new HashMap<>(kafka.clientProperties()), new StringSerializer(),
                     new RegistryAvroSerde<>(registry, ChannelAlert.class, false, true).serializer())) {
            ProducerFor send = a -> producer.send(new ProducerRecord<>(topic, a.getDedupKey(), a)).get();
            send.accept(alert("paid", "id-paid", AlertStatus.FIRING, AlertSeverity.WARNING, null, startsAt));

            try (Bridge first = new Bridge(cfg, registry, group)) {
                // appears, with the record's labels and annotations
                await("paid firing in Alertmanager", () -> held("paid", "warning").isPresent());
                JsonNode paid = held("paid", "warning").orElseThrow();
                assertThat(paid.at("/status/state").asText()).isEqualTo("active");
                assertThat(paid.at("/labels/team").asText()).isEqualTo("growth");
                assertThat(paid.at("/annotations/runbook_url").asText()).isEqualTo("https://runbooks.example.com/ltv-cac");
                assertThat(paid.at("/annotations/summary").asText()).isEqualTo("paid over 7d: LTV:CAC below 3.00");
                assertThat(paid.get("generatorURL").asText()).contains("var-channel=paid");
                assertThat(Instant.parse(paid.get("startsAt").asText())).isEqualTo(startsAt);

                // stays active past Alertmanager's resolve timeout and past its own validity (4 re-sends): the
                // re-sends keep pushing its end out; observed at every poll, for 2 validity periods
                Instant firstEnd = Instant.parse(paid.get("endsAt").asText());
                Instant until = Instant.now().plus(RESEND.multipliedBy(8));
                while (Instant.now().isBefore(until)) {
                    assertThat(held("paid", "warning")).as("paid still firing").isPresent();
                    Thread.sleep(250); // observing over time is the point of this check
                }
                Instant laterEnd = Instant.parse(held("paid", "warning").orElseThrow().get("endsAt").asText());
                assertThat(laterEnd).isAfter(firstEnd.plus(RESEND.multipliedBy(4)));

                // a change of severity: the critical alert fires, the warning one is resolved
                send.accept(alert("paid", "id-paid", AlertStatus.FIRING, AlertSeverity.CRITICAL,
                        AlertSeverity.WARNING, startsAt));
                await("paid critical", () -> held("paid", "critical").isPresent()
                        && held("paid", "warning").isEmpty());

                // RESOLVED: gone from the active alerts
                send.accept(alert("paid", "id-paid", AlertStatus.RESOLVED, AlertSeverity.CRITICAL, null, startsAt));
                await("paid resolved", () -> held("paid", "critical").isEmpty());
            }

            // while the bridge is down: one alert fires, and is read by nobody
            send.accept(alert("social", "id-social", AlertStatus.FIRING, AlertSeverity.WARNING, null, startsAt));
            try (Bridge second = new Bridge(cfg, registry, group)) {
                await("social firing after the restart", () -> held("social", "warning").isPresent());
                assertThat(second.bridge.openAlerts()).containsOnlyKeys("cac-streams/LTV_CAC_BELOW_TARGET/social/7d");
                assertThat(held("paid", "critical")).isEmpty();
                send.accept(alert("social", "id-social", AlertStatus.RESOLVED, AlertSeverity.WARNING, null,
                        startsAt));
                await("social resolved", () -> held("social", "warning").isEmpty());
            }
        }
    }

    private interface ProducerFor {
        void accept(ChannelAlert a) throws Exception;
    }
}
