package io.cacstreams.e2e;

import io.cacstreams.devstack.ApicurioProcess;
import io.cacstreams.config.TopicNames;
import io.cacstreams.events.ChannelMetrics;
import io.cacstreams.events.DeadLetterReason;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import static io.cacstreams.e2e.Events.close;
import static io.cacstreams.e2e.Events.conversion;
import static io.cacstreams.e2e.Events.day;
import static io.cacstreams.e2e.Events.near;
import static io.cacstreams.e2e.Events.spend;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The end-to-end check of TopologyOnBrokerIT (events in with the project's serde, the metric out, a bad record
 * dead-lettered) against Apache Kafka in a container (Testcontainers), where a Docker engine exists; skipped, with
 * the reason, where none does. The registry is the same Apicurio child process as in the other tests.
 */
@EnabledIf(value = "dockerAvailable", disabledReason = "no Docker engine: skipped; the same behaviour is covered by "
        + "TopologyOnBrokerIT on the in-JVM broker")
class TestcontainersKafkaIT {
    /** The broker image: the same Kafka version as the clients; -Dcac.it.kafka.image=... to try another. */
    private static final String IMAGE = System.getProperty("cac.it.kafka.image", "apache/kafka:4.3.1");
    private static KafkaContainer kafka;
    private static ApicurioProcess apicurio;

    @BeforeAll
    static void start() throws Exception {
        kafka = new KafkaContainer(DockerImageName.parse(IMAGE));
        kafka.start();
        apicurio = Infra.startApicurio("testcontainers");
    }

    static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            return false;
        }
    }

    @AfterAll
    static void stop() {
        if (apicurio != null) apicurio.close();
        if (kafka != null) kafka.stop();
    }

    @Test
    void eventsBecomeTheMetricOnAContainerisedBroker() {
        try (StreamsUnderTest app = StreamsUnderTest.start(kafka.getBootstrapServers(), apicurio.ccompatUrl(), "tc",
                Map.of("cac.windows", "7d", "cac.emit.interval", "250ms"), 2)) {
            TopicNames t = app.topicNames();
            app.send(t.spend(), "search", day(1).toEpochMilli(), spend(Events.id(), "search", "100", "USD", day(1)));
            app.send(t.spend(), "search".getBytes(StandardCharsets.UTF_8), day(1.1).toEpochMilli(),
                    new byte[]{9, 9, 9, 9, 9, 9});
            app.send(t.conversions(), "c1", day(1.2).toEpochMilli(),
                    conversion("c1", "search", "30", "USD", null, day(1.2)));
            app.send(t.conversions(), "c2", day(1.3).toEpochMilli(),
                    conversion("c2", "search", "50", "USD", null, day(1.3)));
            app.send(t.spend(), "search", day(1.4).toEpochMilli(), spend(Events.id(), "search", "20", "USD", day(1.4)));
            app.await(Duration.ofSeconds(60), "spend 120 and 2 new customers", () -> {
                ChannelMetrics m = app.out.latest("search", 7);
                return m != null && near(m.getSpend(), 120) && m.getNewCustomers() == 2 && !app.out.dead.isEmpty();
            });
            ChannelMetrics m = app.out.latest("search", 7);
            close(m.getCac(), 60);
            close(m.getArpu(), 40);
            assertThat(m.getActiveCustomers()).isEqualTo(2);
            assertThat(app.out.deadLetters()).singleElement()
                    .satisfies(d -> assertThat(d.getReason()).isEqualTo(DeadLetterReason.MALFORMED));
        }
    }
}
