package io.cacstreams.runtime;

import io.cacstreams.config.AppConfig;
import io.cacstreams.config.OpsSettings;
import io.cacstreams.devstack.EmbeddedKafka;
import io.cacstreams.ops.OpsServer;
import io.cacstreams.serde.RegistryUnavailableException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams.State;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.ValueMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

class StreamsRuntimeIT {
    private static EmbeddedKafka kafka;

    @TempDir
    Path stateDir;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stopBroker() {
        kafka.close();
    }

    private static Topology upperCase(String in, String out, ValueMapper<String, String> mapper) {
        StreamsBuilder b = new StreamsBuilder();
        b.stream(in, Consumed.with(Serdes.String(), Serdes.String()).withName("source"))
                .mapValues(mapper, Named.as("map"))
                .to(out, Produced.with(Serdes.String(), Serdes.String()).withName("sink"));
        return b.build();
    }

    private Properties properties(String appId) {
        return StreamsProperties.build(AppConfig.from(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "application.id", appId, "state.dir", stateDir.toString())));
    }

    @Test
    void runsReportsReadyAndExitsZeroOnClose() throws Exception {
        String in = "in-" + UUID.randomUUID(), out = "out-" + UUID.randomUUID();
        kafka.createTopics(2, in, out);
        HttpClient http = HttpClient.newHttpClient();
        StreamsRuntime runtime = new StreamsRuntime(upperCase(in, out, String::toUpperCase), properties("rt-ok"),
                UncaughtExceptionPolicy.defaults());
        try (OpsServer ops = new OpsServer(new OpsSettings("127.0.0.1", 0), runtime.health())) {
            ops.bindStreams(runtime.streams());
            assertThat(get(http, ops, "/health/ready").statusCode()).isEqualTo(503);
            runtime.start();
            assertThat(runtime.awaitState(State.RUNNING, Duration.ofSeconds(60))).isTrue();
            assertThat(get(http, ops, "/health/ready").statusCode()).isEqualTo(200);
            produce(in, "a", "b");
            assertThat(readCommitted(out, 2)).containsExactly("A", "B");
            assertThat(get(http, ops, "/metrics").body()).contains("kafka_stream_");
            runtime.close();
            assertThat(runtime.awaitExit()).isEqualTo(0);
            assertThat(get(http, ops, "/health/live").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aFatalErrorEndsInErrorAndExitCodeOne() throws Exception {
        String in = "in-" + UUID.randomUUID(), out = "out-" + UUID.randomUUID();
        kafka.createTopics(1, in, out);
        StreamsRuntime runtime = new StreamsRuntime(upperCase(in, out, v -> {
            if (v.equals("boom")) throw new IllegalStateException("a bug");
            return v;
        }), properties("rt-fatal"), UncaughtExceptionPolicy.defaults());
        runtime.start();
        assertThat(runtime.awaitState(State.RUNNING, Duration.ofSeconds(60))).isTrue();
        produce(in, "boom");
        assertThat(runtime.awaitExit()).isEqualTo(1);
        assertThat(runtime.health().live()).isFalse();
        assertThat(runtime.health().ready()).isFalse();
    }

    @Test
    void aTransientErrorReplacesTheThreadAndTheRecordIsProcessedOnce() throws Exception {
        String in = "in-" + UUID.randomUUID(), out = "out-" + UUID.randomUUID();
        kafka.createTopics(1, in, out);
        AtomicBoolean failedOnce = new AtomicBoolean();
        StreamsRuntime runtime = new StreamsRuntime(upperCase(in, out, v -> {
            if (v.equals("flaky") && failedOnce.compareAndSet(false, true)) {
                throw new RegistryUnavailableException("registry down", 503, null);
            }
            return v.toUpperCase();
        }), properties("rt-transient"), UncaughtExceptionPolicy.defaults());
        try (runtime) {
            runtime.start();
            assertThat(runtime.awaitState(State.RUNNING, Duration.ofSeconds(60))).isTrue();
            produce(in, "before", "flaky", "after");
            assertThat(readCommitted(out, 3)).containsExactly("BEFORE", "FLAKY", "AFTER");
            assertThat(failedOnce).isTrue();
            assertThat(runtime.state()).isIn(State.RUNNING, State.REBALANCING);
            assertThat(runtime.health().live()).isTrue();
        }
    }

    private static HttpResponse<String> get(HttpClient http, OpsServer ops, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ops.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void produce(String topic, String... values) {
        try (KafkaProducer<String, String> p = new KafkaProducer<>(new HashMap<String, Object>(kafka.clientProperties()),
                new StringSerializer(), new StringSerializer())) {
            for (String v : values) p.send(new ProducerRecord<>(topic, "k", v));
        }
    }

    private static List<String> readCommitted(String topic, int expected) {
        Map<String, Object> p = new HashMap<>(kafka.clientProperties());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "it-" + UUID.randomUUID());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            c.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (values.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) values.add(r.value());
            }
            for (ConsumerRecord<String, String> r : c.poll(Duration.ofSeconds(1))) values.add(r.value());
        }
        return values;
    }
}
