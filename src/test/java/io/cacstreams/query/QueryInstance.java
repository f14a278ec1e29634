package io.cacstreams.query;

import io.cacstreams.app.StreamsProperties;
import io.cacstreams.config.AppConfig;
import io.cacstreams.serde.SchemaRegistryClient;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * One instance as {@code run} wires it: the query server started first, its address advertised as
 * {@code application.server} in the application's own Streams properties, then Kafka Streams (with its own state
 * directory) bound to it and started.
 */
final class QueryInstance implements AutoCloseable {
    final AppConfig config;
    final QueryServer server;
    final KafkaStreams streams;
    private final Path stateDir;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    private QueryInstance(AppConfig config, SchemaRegistryClient registry, Topology topology) {
        this.config = config;
        this.server = QueryServer.start(config, registry);
        try {
            this.stateDir = Files.createTempDirectory("cac-query-it-");
        } catch (IOException e) {
            server.close();
            throw new UncheckedIOException(e);
        }
        Properties p = server.advertise(StreamsProperties.build(config));
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        this.streams = new KafkaStreams(topology, p);
        streams.setUncaughtExceptionHandler(e -> {
            failure.compareAndSet(null, e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        server.bind(streams);
        streams.start();
    }

    static QueryInstance start(AppConfig config, SchemaRegistryClient registry, Topology topology) {
        return new QueryInstance(config, registry, topology);
    }

    /** Running, with at least one active task of its own (so that it owns part of the view). */
    boolean runningWithTasks() {
        return streams.state() == KafkaStreams.State.RUNNING
                && streams.metadataForLocalThreads().stream().anyMatch(t -> !t.activeTasks().isEmpty());
    }

    void failIfDied() {
        Throwable f = failure.get();
        if (f != null) throw new AssertionError("Kafka Streams failed: " + f, f);
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

    @Override
    public void close() {
        try {
            streams.close(Duration.ofSeconds(30));
        } finally {
            server.close();
            try (Stream<Path> walk = Files.walk(stateDir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (IOException | UncheckedIOException ignored) {
                // a temporary directory
            }
        }
    }
}
