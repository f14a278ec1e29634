package io.cacstreams.query;

import io.cacstreams.app.MicrometerObserver;
import io.cacstreams.app.OpsServer;
import io.cacstreams.app.StreamsProperties;
import io.cacstreams.app.StreamsRuntime;
import io.cacstreams.app.UncaughtExceptionPolicy;
import io.cacstreams.config.AppConfig;
import io.cacstreams.config.OpsSettings;
import io.cacstreams.serde.SchemaRegistryClient;
import io.cacstreams.topology.TopologyObserver;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * One instance as {@code run} wires it: the query server started first, its address advertised as
 * {@code application.server} in the application's own Streams properties; the topology built with a
 * {@link MicrometerObserver}; the Streams runtime; the ops endpoints ({@code /metrics} on a free port) with the
 * Streams client's meters, the observer's and the view's gauges ({@link ViewMetrics}); the query server bound to the
 * runtime; then Kafka Streams started. {@code stateDir} (may be shared by a restarted instance) holds its state.
 */
final class QueryInstance implements AutoCloseable {
    final AppConfig config;
    final QueryServer server;
    final KafkaStreams streams;
    final OpsServer ops;
    final Path stateDir;
    private final StreamsRuntime runtime;

    private QueryInstance(AppConfig config, SchemaRegistryClient registry, Function<TopologyObserver, Topology> topology,
                          Path stateDir) {
        this.config = config;
        this.stateDir = stateDir;
        this.server = QueryServer.start(config, registry);
        Properties p = server.advertise(StreamsProperties.build(config));
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        MicrometerObserver observer = new MicrometerObserver();
        this.runtime = new StreamsRuntime(topology.apply(observer), p, UncaughtExceptionPolicy.defaults());
        this.streams = runtime.streams();
        this.ops = new OpsServer(new OpsSettings("127.0.0.1", 0), runtime.health());
        ops.bindStreams(streams);
        observer.bindTo(ops.registry());
        ViewMetrics.register(ops.registry(), config, registry, streams);
        server.bind(streams);
        runtime.start();
    }

    /** Starts an instance with a new state directory. */
    static QueryInstance start(AppConfig config, SchemaRegistryClient registry,
                               Function<TopologyObserver, Topology> topology) {
        try {
            return new QueryInstance(config, registry, topology, Files.createTempDirectory("cac-query-it-"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts an instance on the state directory of a closed one (a restart). */
    static QueryInstance restart(QueryInstance closed, SchemaRegistryClient registry,
                                 Function<TopologyObserver, Topology> topology) {
        return new QueryInstance(closed.config, registry, topology, closed.stateDir);
    }

    /** GET /metrics of this instance's ops endpoint. */
    String scrape() {
        return new ApiClient(null).get("http://127.0.0.1:" + ops.port() + "/metrics", null).text();
    }

    /** Running, with at least one active task of its own (so that it owns part of the view). */
    boolean runningWithTasks() {
        return streams.state() == KafkaStreams.State.RUNNING
                && streams.metadataForLocalThreads().stream().anyMatch(t -> !t.activeTasks().isEmpty());
    }

    void failIfDied() {
        if (runtime.health().errorSeen()) throw new AssertionError("Kafka Streams failed (state " + streams.state()
                + "); see the log");
    }

    /** Waits for {@code condition}, checking it every 50 ms, failing with {@code what} after {@code timeout}. */
    static void await(Duration timeout, String what, BooleanSupplier condition) {
        await(timeout, () -> what, condition);
    }

    /** As {@link #await(Duration, String, BooleanSupplier)}, with {@code what} (and the state) told on failure. */
    static void await(Duration timeout, Supplier<String> what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("not within " + timeout + ": " + what.get());
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what, e);
            }
        }
    }

    /** Closes, keeping the state directory (for {@link #restart}). */
    void stop() {
        try {
            runtime.close();
        } finally {
            ops.close();
            server.close();
        }
    }

    @Override
    public void close() {
        try {
            stop();
        } finally {
            try (Stream<Path> walk = Files.walk(stateDir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (IOException | UncheckedIOException ignored) {
                // a temporary directory
            }
        }
    }
}
