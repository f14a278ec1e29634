package io.cacstreams.query;

import io.cacstreams.config.AppConfig;
import io.cacstreams.runtime.StreamsApp;
import io.cacstreams.runtime.TopologySource;
import io.cacstreams.serde.SchemaRegistryClient;
import org.apache.kafka.streams.KafkaStreams;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * One instance started exactly as {@code run} starts it ({@link StreamsApp}: topic check, topology, query server
 * advertised as {@code application.server}, ops endpoints with the view's gauges, Kafka Streams), on free ports and
 * a state directory of its own (kept by {@link #stop} for a {@link #restart}).
 */
final class QueryInstance implements AutoCloseable {
    private static final StreamsApp.Options OPTIONS = new StreamsApp.Options(Duration.ofSeconds(30), false, false);

    final AppConfig config;
    final StreamsApp app;
    final Path stateDir;
    private final SchemaRegistryClient registry;
    private final TopologySource topology;

    private QueryInstance(AppConfig config, SchemaRegistryClient registry, TopologySource topology, Path stateDir) {
        this.config = config;
        this.registry = registry;
        this.topology = topology;
        this.stateDir = stateDir;
        try {
            this.app = StreamsApp.start(config.with(Map.of("state.dir", stateDir.toString(), "cac.ops.port", "0",
                    "cac.query.port", "0")), topology, registry, OPTIONS);
        } catch (StreamsApp.MissingTopics e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** Starts an instance with a new state directory. */
    static QueryInstance start(AppConfig config, SchemaRegistryClient registry, TopologySource topology) {
        try {
            return new QueryInstance(config, registry, topology, Files.createTempDirectory("cac-query-it-"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts again on the state directory of this (stopped) instance. */
    QueryInstance restart() {
        return new QueryInstance(config, registry, topology, stateDir);
    }

    KafkaStreams streams() {
        return app.streams();
    }

    /** The base address of the query API and dashboard ({@code http(s)://127.0.0.1:port/}). */
    String url() {
        return app.dashboardUrl().orElseThrow();
    }

    int queryPort() {
        return Integer.parseInt(url().replaceAll(".*:(\\d+)/$", "$1"));
    }

    /** GET /metrics of this instance's ops endpoint. */
    String scrape() {
        return new ApiClient(null).get("http://127.0.0.1:" + app.opsPort() + "/metrics", null).text();
    }

    /** Running, with at least one active task of its own (so that it owns part of the view). */
    boolean runningWithTasks() {
        return streams().state() == KafkaStreams.State.RUNNING
                && streams().metadataForLocalThreads().stream().anyMatch(t -> !t.activeTasks().isEmpty());
    }

    void failIfDied() {
        if (app.health().errorSeen()) {
            throw new AssertionError("Kafka Streams failed (state " + streams().state() + "); see the log");
        }
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
                throw new AssertionError("interrupted waiting for " + what.get(), e);
            }
        }
    }

    /** Closes, keeping the state directory (for {@link #restart}). */
    void stop() {
        app.close();
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
