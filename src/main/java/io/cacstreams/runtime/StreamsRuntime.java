package io.cacstreams.runtime;

import io.cacstreams.ops.StreamsHealth;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KafkaStreams.State;
import org.apache.kafka.streams.Topology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One Kafka Streams client running the topology, with cac-streams' lifecycle rules:
 * <ul>
 *   <li>uncaught stream-thread exceptions go through {@link UncaughtExceptionPolicy} (replace the thread on transient
 *       errors, shut the client down otherwise);</li>
 *   <li>every state change is logged and passed to the {@link StreamsHealth} of the ops endpoints;</li>
 *   <li>{@link #awaitExit()} returns the exit code: 1 once the client reaches ERROR (after closing it), 0 after a
 *       {@link #close() clean close}, e.g. from the SIGTERM {@link #installShutdownHook() shutdown hook} (the JVM
 *       itself then exits with 143, its status for SIGTERM);</li>
 *   <li>{@link #close()} closes the client within {@link #CLOSE_TIMEOUT}, committing what was processed.</li>
 * </ul>
 */
public final class StreamsRuntime implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StreamsRuntime.class);
    public static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILED = 1;

    private final KafkaStreams streams;
    private final StreamsHealth health;
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch closeDone = new CountDownLatch(1);

    public StreamsRuntime(Topology topology, Properties properties, UncaughtExceptionPolicy policy) {
        this.streams = new KafkaStreams(topology, properties);
        this.health = new StreamsHealth(streams::state);
        streams.setUncaughtExceptionHandler(policy);
        streams.setStateListener(this::onStateChange);
    }

    private void onStateChange(State newState, State oldState) {
        health.onChange(newState, oldState);
        if (newState == State.ERROR || newState == State.PENDING_ERROR) {
            log.error("Kafka Streams: {} -> {}", oldState, newState);
        } else {
            log.info("Kafka Streams: {} -> {}", oldState, newState);
        }
        if (newState == State.ERROR) exit.complete(EXIT_FAILED);
    }

    public KafkaStreams streams() {
        return streams;
    }

    /** Ready only when RUNNING; not live after an error. */
    public StreamsHealth health() {
        return health;
    }

    public State state() {
        return streams.state();
    }

    public void start() {
        streams.start();
    }

    /**
     * True if {@code e} (from {@link #start}) comes from local state that cannot be opened: a store RocksDB refuses,
     * e.g. after a kill -9 in the middle of deleting an expired window segment (its CURRENT names a MANIFEST that is
     * gone). Local state is only a cache of the changelog topics, so it can be wiped and rebuilt.
     */
    public static boolean isUnreadableLocalState(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.apache.kafka.streams.errors.ProcessorStateException
                    || t instanceof org.rocksdb.RocksDBException) return true;
        }
        return false;
    }

    /**
     * Closes (leaving the group, so that the next start need not wait out this member's session) and deletes this
     * instance's local state of the application; it is restored from the changelog topics by the next start.
     */
    public void closeAndWipeLocalState() {
        if (!closed.compareAndSet(false, true)) throw new IllegalStateException("already closed");
        try {
            streams.close(org.apache.kafka.streams.CloseOptions.groupMembershipOperation(
                    org.apache.kafka.streams.CloseOptions.GroupMembershipOperation.LEAVE_GROUP).withTimeout(CLOSE_TIMEOUT));
            streams.cleanUp();
        } finally {
            exit.complete(EXIT_OK);
            closeDone.countDown();
        }
    }

    /** Closes this runtime cleanly when the JVM is asked to stop (SIGTERM, SIGINT). */
    public Thread installShutdownHook() {
        Thread hook = new Thread(() -> {
            log.info("shutdown requested; closing Kafka Streams");
            close();
        }, "cac-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        return hook;
    }

    /** Blocks until the client errors (returns 1, after closing it) or is closed (returns 0). */
    public int awaitExit() throws InterruptedException {
        int code;
        try {
            code = exit.get();
        } catch (java.util.concurrent.ExecutionException e) {
            code = EXIT_FAILED;
        }
        close();
        return code;
    }

    /** Waits up to {@code timeout} for {@code state}; true if reached. */
    public boolean awaitState(State state, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (streams.state() != state) {
            if (System.nanoTime() > deadline) return false;
            Thread.sleep(50);
        }
        return true;
    }

    /** Idempotent; a second caller waits for the first one's close to finish. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            try {
                closeDone.await(CLOSE_TIMEOUT.toMillis() + 5_000, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        try {
            boolean clean = streams.close(CLOSE_TIMEOUT);
            // said here, not only by the state listener: Kafka Streams calls that after waking close(), on its close
            // thread, so a JVM stopping once close() returns (a shutdown hook) can end before it logs NOT_RUNNING
            if (clean) log.info("Kafka Streams closed cleanly");
            else log.warn("Kafka Streams did not close within {}", CLOSE_TIMEOUT);
        } finally {
            exit.complete(EXIT_OK);
            closeDone.countDown();
        }
    }
}
