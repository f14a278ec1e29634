package io.cacstreams.e2e;

import io.cacstreams.config.AppConfig;
import io.cacstreams.config.StateSettings;
import io.cacstreams.config.TopicNames;
import io.cacstreams.serde.AvroCodec;
import io.cacstreams.serde.SchemaRegistryClient;
import io.cacstreams.topology.CacTopology;
import io.cacstreams.topology.Topics;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * One cac-streams instance for an integration test, on a real broker and a real registry: its own topics
 * ({@code cac.topic.*} with a unique prefix), its own application id and state directory, the real topology in a
 * {@link KafkaStreams} built here with exactly-once v2, a producer for inputs and a read_committed {@link Outputs}
 * reader. Everything waits for conditions with a deadline; nothing sleeps for a fixed time.
 */
final class StreamsUnderTest implements AutoCloseable {
    private static final AtomicInteger RUNS = new AtomicInteger();
    static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);

    final String name;
    final AppConfig config;
    final SchemaRegistryClient registry;
    final Topics topics;
    final Outputs out;
    private final String bootstrap;
    private final KafkaStreams streams;
    private final Path stateDir;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Map<Class<?>, AvroCodec<?>> codecs = new ConcurrentHashMap<>();
    /** The first exception that killed a Kafka Streams thread (the client is then shut down). */
    private final AtomicReference<Throwable> streamsFailure = new AtomicReference<>();
    /** The first failed asynchronous send. */
    private final AtomicReference<Throwable> sendFailure = new AtomicReference<>();
    private final Admin admin;
    private long lastConsumedCheck;
    private boolean lastConsumed;

    private StreamsUnderTest(String name, String bootstrap, AppConfig config, int inputPartitions) {
        this.name = name;
        this.bootstrap = bootstrap;
        this.config = config;
        this.registry = SchemaRegistryClient.create(config.registry());
        this.topics = Topics.of(config, registry);
        createTopics(bootstrap, config.topics(), inputPartitions);
        try {
            this.stateDir = Files.createTempDirectory("cac-it-state-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.producer = new KafkaProducer<>(producerProperties(bootstrap), new ByteArraySerializer(),
                new ByteArraySerializer());
        this.out = new Outputs(bootstrap, topics);
        this.admin = admin(bootstrap);
        this.streams = new KafkaStreams(CacTopology.build(config, registry), streamsProperties(config, stateDir));
    }

    /**
     * Creates the topics and starts the application, returning once it is RUNNING.
     *
     * @param prefix   readable part of the topic names and application id (made unique here)
     * @param settings {@code cac.*} settings of the test (topic names, registry and Kafka settings are added)
     */
    static StreamsUnderTest start(String bootstrap, String registryUrl, String prefix, Map<String, String> settings,
                                  int inputPartitions) {
        StreamsUnderTest app = create(bootstrap, registryUrl, prefix, settings, inputPartitions);
        try {
            return app.start();
        } catch (RuntimeException | Error e) {
            app.close();
            throw e;
        }
    }

    /** Creates the topics, the clients and the (not yet started) application; {@link #start()} starts it. */
    static StreamsUnderTest create(String bootstrap, String registryUrl, String prefix, Map<String, String> settings,
                                   int inputPartitions) {
        String name = prefix + "-" + RUNS.incrementAndGet() + "-" + Long.toString(System.nanoTime() % 1_000_000, 36);
        Map<String, String> all = new LinkedHashMap<>();
        all.put("cac.registry.url", registryUrl);
        for (String t : List.of("spend", "leads", "conversions", "churn", "fx", "metrics", "alerts", "deadletter")) {
            all.put("cac.topic." + t, name + "." + t);
        }
        all.put("application.id", "cac-it-" + name);
        all.put("bootstrap.servers", bootstrap);
        all.putAll(settings);
        for (String role : StateSettings.InputPartitions.ROLES) {
            all.putIfAbsent("cac." + role + ".partitions", Integer.toString(inputPartitions));
        }
        // the tests feed in phases and wait for outputs in between: partitions left without data (or done) must
        // stop holding the watermark back within a few seconds, not the default 30
        all.putIfAbsent("cac.idle.timeout", "2s");
        return new StreamsUnderTest(name, bootstrap, AppConfig.from(all), inputPartitions);
    }

    private static Properties streamsProperties(AppConfig config, Path stateDir) {
        Properties p = new Properties();
        p.putAll(config.kafka()); // application.id, bootstrap.servers
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        return p;
    }

    private static Map<String, Object> producerProperties(String bootstrap) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        return p;
    }

    /**
     * Input and output topics that keep their records forever: the tests' events are dated in 2026-01 (and the
     * market's customer base months before), so with the broker's default retention (7 days, judged by record
     * timestamp) its first retention check, 30 s after start, deletes every closed segment, under the application's
     * feet (seen as OffsetOutOfRangeException in the global fx thread, and as inputs that vanish).
     */
    static void createTopics(String bootstrap, TopicNames names, int inputPartitions) {
        List<NewTopic> topics = new ArrayList<>();
        for (String input : names.inputs()) topics.add(topic(input, inputPartitions));
        topics.add(topic(names.fxRates(), 1));
        for (String output : names.outputs()) topics.add(topic(output, 3));
        try (Admin admin = admin(bootstrap)) {
            admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create topics " + topics + ": " + e, e);
        }
    }

    private static NewTopic topic(String name, int partitions) {
        return new NewTopic(name, Optional.of(partitions), Optional.empty())
                .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1"));
    }

    static Admin admin(String bootstrap) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
    }

    /** Starts Kafka Streams and waits until it is RUNNING. */
    StreamsUnderTest start() {
        AtomicReference<KafkaStreams.State> state = new AtomicReference<>(KafkaStreams.State.CREATED);
        streams.setStateListener((now, before) -> state.set(now));
        streams.setUncaughtExceptionHandler(e -> {
            streamsFailure.compareAndSet(null, e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        long t0 = System.nanoTime();
        streams.start();
        await(STARTUP_TIMEOUT, "Kafka Streams RUNNING (state " + state.get() + ")",
                () -> state.get() == KafkaStreams.State.RUNNING);
        System.out.printf("[%s] Kafka Streams RUNNING after %d ms%n", name,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        return this;
    }

    /** The bytes a producer using the project's serde (auto-register) would send for {@code event}. */
    @SuppressWarnings("unchecked")
    <T extends SpecificRecord> byte[] encode(String topic, T event) {
        AvroCodec<T> codec = (AvroCodec<T>) codecs.computeIfAbsent(event.getClass(),
                c -> new AvroCodec<>(registry, (Class<T>) c, false, true));
        return codec.encode(topic, event);
    }

    /** Sends an event encoded with the project's serde and waits for the broker's acknowledgement. */
    <T extends SpecificRecord> RecordMetadata send(String topic, String key, long timestamp, T event) {
        return send(topic, key == null ? null : key.getBytes(StandardCharsets.UTF_8), timestamp, encode(topic, event));
    }

    /** Sends raw bytes (timestamp: the event time, as the generator does) and waits for the acknowledgement. */
    RecordMetadata send(String topic, byte[] key, long timestamp, byte[] value) {
        try {
            return producer.send(new ProducerRecord<>(topic, null, timestamp, key, value)).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot produce to " + topic + ": " + e, e);
        }
    }

    /** Sends an event encoded with the project's serde without waiting; {@link #flush()} waits for all of them. */
    <T extends SpecificRecord> void sendAsync(String topic, String key, java.time.Instant at, T event) {
        sendAsync(topic, key == null ? null : key.getBytes(StandardCharsets.UTF_8), at.toEpochMilli(),
                encode(topic, event));
    }

    /** Sends without waiting; {@link #flush()} waits for all of them. */
    void sendAsync(String topic, byte[] key, long timestamp, byte[] value) {
        producer.send(new ProducerRecord<>(topic, null, timestamp, key, value), (meta, e) -> {
            if (e != null) sendFailure.compareAndSet(null, e);
        });
    }

    void flush() {
        producer.flush();
        Throwable f = sendFailure.get();
        if (f != null) throw new AssertionError("[" + name + "] a send failed: " + f, f);
        failIfStreamsDied();
    }

    private void failIfStreamsDied() {
        Throwable f = streamsFailure.get();
        if (f != null) throw new AssertionError("[" + name + "] Kafka Streams failed: " + f, f);
    }

    /**
     * Polls the outputs until {@code condition} holds; fails after {@code timeout} with {@code what} and the
     * current state of the outputs, or at once if the application died.
     */
    void await(Duration timeout, String what, BooleanSupplier condition) {
        await(timeout, () -> what, condition);
    }

    void await(Duration timeout, Supplier<String> what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            failIfStreamsDied();
            if (condition.getAsBoolean()) return;
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("[" + name + "] not within " + timeout.toSeconds() + " s: " + what.get()
                        + System.lineSeparator() + out.summary());
            }
            out.poll(Duration.ofMillis(100));
        }
    }

    /**
     * True when the application has committed every input record produced so far: its committed offset of every
     * input partition is the partition's end offset (inputs are written without transactions, so end offset = last
     * record + 1). Under exactly-once, what the decode stage made of them is then committed too.
     */
    boolean inputsConsumed() {
        long now = System.nanoTime();
        if (!lastConsumed && now - lastConsumedCheck < 500_000_000L) return false; // ask the broker twice a second
        lastConsumedCheck = now;
        lastConsumed = committedAll();
        return lastConsumed;
    }

    private boolean committedAll() {
        try {
            Map<TopicPartition, OffsetAndMetadata> committed = admin
                    .listConsumerGroupOffsets(config.applicationId()).partitionsToOffsetAndMetadata()
                    .get(10, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetSpec> ask = new HashMap<>();
            var described = admin.describeTopics(config.topics().inputs()).allTopicNames().get(10, TimeUnit.SECONDS);
            described.forEach((topic, d) -> d.partitions()
                    .forEach(p -> ask.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest())));
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(ask).all()
                    .get(10, TimeUnit.SECONDS);
            for (var e : ends.entrySet()) {
                long end = e.getValue().offset();
                OffsetAndMetadata c = committed.get(e.getKey());
                if (end > 0 && (c == null || c.offset() < end)) return false;
            }
            return true;
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    TopicNames topicNames() {
        return config.topics();
    }


    /** Commit and transaction timings of the application, for the test output. */
    String commitStats() {
        Map<String, String> out = new java.util.TreeMap<>();
        streams.metrics().forEach((name, metric) -> {
            String n = name.name();
            boolean thread = name.group().equals("stream-thread-metrics")
                    && (n.equals("commit-latency-avg") || n.equals("commit-latency-max") || n.equals("commit-total")
                    || n.equals("process-total"));
            boolean producer = name.group().equals("producer-metrics") && n.startsWith("txn-")
                    && n.endsWith("-time-ns-total");
            if (thread) out.put(n, String.format("%.0f", ((Number) metric.metricValue()).doubleValue()));
            if (producer) out.put(n.replace("-time-ns-total", "") + "-ms",
                    String.format("%.0f", ((Number) metric.metricValue()).doubleValue() / 1e6));
        });
        return out.toString();
    }

    @Override
    public void close() {
        long t0 = System.nanoTime();
        System.out.printf("[%s] %s%n", name, commitStats());
        try {
            streams.close(Duration.ofSeconds(30));
            streams.cleanUp();
        } finally {
            admin.close(Duration.ofSeconds(5));
            producer.close(Duration.ofSeconds(5));
            out.close();
            registry.close();
            try (var walk = Files.walk(stateDir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException | UncheckedIOException ignored) {
                // a temporary directory
            }
        }
        System.out.printf("[%s] closed in %d ms%n", name, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }
}
