package io.cacstreams.cli;

import io.cacstreams.config.AppConfig;
import io.cacstreams.devstack.EmbeddedKafka;
import io.cacstreams.serde.SchemaRegistryClient;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code run} end to end, in-process and as a child process stopped with SIGTERM, with a stand-in topology. */
class RunCommandIT {
    private static EmbeddedKafka kafka;
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path tmp;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stopBroker() {
        kafka.close();
    }

    /** spend -> metrics, failing on the value "boom". */
    static Topology standIn(AppConfig cfg, SchemaRegistryClient registry, io.cacstreams.topology.TopologyObserver observer) {
        StreamsBuilder b = new StreamsBuilder();
        b.stream(cfg.topics().spend(), Consumed.with(Serdes.String(), Serdes.String()).withName("spend-source"))
                .mapValues(v -> {
                    if ("boom".equals(v)) throw new IllegalStateException("boom");
                    return v;
                }, Named.as("check"))
                .to(cfg.topics().metrics(), Produced.with(Serdes.String(), Serdes.String()).withName("metrics-sink"));
        return b.build();
    }

    /** The value {@link #standInWithStore} fails on (a fatal error that ends a run). */
    private static volatile String poison = "boom";

    /** A stand-in with a segmented RocksDB store (a windowed count), to corrupt between runs. */
    static Topology standInWithStore(AppConfig cfg, SchemaRegistryClient registry,
                                     io.cacstreams.topology.TopologyObserver observer) {
        StreamsBuilder b = new StreamsBuilder();
        b.stream(cfg.topics().spend(), Consumed.with(Serdes.String(), Serdes.String()).withName("spend-source"))
                .mapValues(v -> {
                    if (v.equals(poison)) throw new IllegalStateException(v);
                    return v;
                }, Named.as("check"))
                .groupByKey(Grouped.<String, String>as("by-key").withKeySerde(Serdes.String()).withValueSerde(Serdes.String()))
                .windowedBy(TimeWindows.ofSizeWithNoGrace(Duration.ofDays(1)))
                .count(Named.as("count"), Materialized.<String, Long, org.apache.kafka.streams.state.WindowStore<
                        org.apache.kafka.common.utils.Bytes, byte[]>>as("counts").withCachingDisabled())
                .toStream(Named.as("counts-out"))
                .map((w, n) -> KeyValue.pair(w.key(), Long.toString(n)), Named.as("unwindow"))
                .to(cfg.topics().metrics(), Produced.with(Serdes.String(), Serdes.String()).withName("metrics-sink"));
        return b.build();
    }

    /**
     * Local state is a cache of the changelogs: a store RocksDB cannot open (seen after a kill -9 during a segment's
     * deletion: CURRENT naming a MANIFEST that is gone) must not keep the application from starting. (at_least_once:
     * exactly-once wipes a task's state itself after an unclean close, so the first run's error would remove it.)
     */
    @Test
    void aCorruptLocalStoreIsWipedAndRebuiltFromItsChangelog() throws Exception {
        String app = "run-corrupt";
        var ctx = new Main.Context(Map.of(), RunCommandIT::standInWithStore, s -> new MainTest.UnusedRegistry());
        int port1 = freePort();
        CompletableFuture<Integer> first = CompletableFuture.supplyAsync(() -> new Main(ctx).commandLine().execute(
                args(app, port1, "--set", "cac.topics.create=true", "--set", "cac.topics.partitions=1",
                        "--set", "commit.interval.ms=100", "--set", "processing.guarantee=at_least_once",
                        "--set", "session.timeout.ms=6000")));
        awaitReady(port1, first);
        poison = "boom-1";
        produce(app + ".spend", "one");
        assertThat(read(app + ".metrics", 1)).containsExactly("1");
        produce(app + ".spend", "boom-1");
        assertThat(first.get(60, TimeUnit.SECONDS)).isEqualTo(1);
        poison = "boom-2"; // the second run reads boom-1 again (never committed) and counts it

        List<Path> manifests;
        try (var files = Files.walk(tmp.resolve(app))) {
            manifests = files.filter(f -> f.getFileName().toString().startsWith("MANIFEST-")
                    && f.toString().contains("counts")).toList();
        }
        assertThat(manifests).as("RocksDB segments of the counts store").isNotEmpty();
        for (Path m : manifests) Files.delete(m);

        int port2 = freePort();
        StringWriter err = new StringWriter();
        var cl = new Main(ctx).commandLine();
        cl.setErr(new PrintWriter(err, true));
        CompletableFuture<Integer> second = CompletableFuture.supplyAsync(() -> cl.execute(
                args(app, port2, "--set", "commit.interval.ms=100", "--set", "processing.guarantee=at_least_once",
                        "--set", "session.timeout.ms=6000")));
        awaitReady(port2, second);
        produce(app + ".spend", "two");
        assertThat(read(app + ".metrics", 3)).as("the count restored from the changelog (1), then boom-1 and two")
                .contains("1", "2", "3");
        produce(app + ".spend", "boom-2"); // ends the second run too
        assertThat(second.get(60, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(err.toString()).doesNotContain("Error opening store");
    }

    /** Entry point of the child process. */
    public static void main(String[] args) {
        Main.Context ctx = new Main.Context(System.getenv(), RunCommandIT::standIn, s -> new MainTest.UnusedRegistry());
        System.exit(new Main(ctx).commandLine().execute(args));
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private String[] args(String appId, int opsPort, String... more) {
        List<String> a = new ArrayList<>(List.of("run", "--bootstrap-servers", kafka.bootstrapServers(),
                "--application-id", appId, "--state-dir", tmp.resolve(appId).toString(),
                "--set", "cac.topic.spend=" + appId + ".spend", "--set", "cac.topic.metrics=" + appId + ".metrics",
                "--set", "cac.ops.port=" + opsPort, "--set", "cac.query.port=0"));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    @Test
    void createsTopicsRunsAndExitsOneOnAFatalError() throws Exception {
        int port = freePort();
        StringWriter err = new StringWriter();
        var cl = new Main(new Main.Context(Map.of(), RunCommandIT::standIn, s -> new MainTest.UnusedRegistry())).commandLine();
        cl.setErr(new PrintWriter(err, true));
        String[] args = args("run-fatal", port, "--set", "cac.topics.create=true", "--set", "cac.topics.partitions=2");
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> cl.execute(args));

        awaitReady(port, exit);
        try (Admin admin = kafka.admin()) {
            assertThat(admin.listTopics().names().get()).contains("run-fatal.spend", "run-fatal.metrics", "leads",
                    "conversions", "churn", "fx-rates", "channel-alerts", "cac-dead-letter");
        }
        produce("run-fatal.spend", "ok");
        assertThat(read("run-fatal.metrics", 1)).containsExactly("ok");
        produce("run-fatal.spend", "boom");
        assertThat(exit.get(60, TimeUnit.SECONDS)).isEqualTo(1);
    }

    @Test
    void missingTopicsAreReportedWhenCreationIsOff() throws Exception {
        StringWriter err = new StringWriter();
        var cl = new Main(new Main.Context(Map.of(), RunCommandIT::standIn, s -> new MainTest.UnusedRegistry())).commandLine();
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args("run-missing", freePort()));
        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).contains("missing topics: ", "run-missing.spend", "run-missing.metrics",
                "(create them, or set cac.topics.create=true)");
    }

    @Test
    void sigtermClosesKafkaStreamsCleanly() throws Exception {
        int port = freePort();
        kafka.createTopics(1, "run-term.spend", "run-term.metrics", "leads", "conversions", "churn", "fx-rates",
                "channel-alerts", "cac-dead-letter");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), RunCommandIT.class.getName()));
        cmd.addAll(List.of(args("run-term", port)));
        Path log = tmp.resolve("child.log");
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            awaitReady(port, child.onExit().thenApply(Process::exitValue));
            produce("run-term.spend", "before sigterm");
            assertThat(read("run-term.metrics", 1)).containsExactly("before sigterm");
            child.destroy(); // SIGTERM
            assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String output = Files.readString(log, StandardCharsets.UTF_8);
            // the JVM's own status for a SIGTERM it shut down for (128 + 15), whatever the shutdown hooks do
            assertThat(child.exitValue()).as(output).isEqualTo(143);
            assertThat(output).contains("shutdown requested; closing Kafka Streams", "Kafka Streams closed cleanly");
        } finally {
            child.destroyForcibly();
        }
    }

    private void awaitReady(int port, CompletableFuture<Integer> exit) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            if (exit.isDone()) throw new AssertionError("run ended early with exit code " + exit.get());
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/health/ready")).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) return;
            } catch (java.io.IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError("not ready within 90s");
    }

    private static void produce(String topic, String value) {
        try (KafkaProducer<String, String> p = new KafkaProducer<>(new HashMap<String, Object>(kafka.clientProperties()),
                new StringSerializer(), new StringSerializer())) {
            p.send(new ProducerRecord<>(topic, "k", value));
        }
    }

    private static List<String> read(String topic, int expected) {
        Map<String, Object> p = new HashMap<>(kafka.clientProperties());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "it-" + UUID.randomUUID());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            c.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (values.size() < expected && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
            }
        }
        return values;
    }
}
