package io.cacstreams.runtime;

import io.cacstreams.serde.RegistryUnavailableException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * What a stream thread's uncaught exception does to the application.
 * <ul>
 *   <li><b>REPLACE_THREAD</b> when the exception or one of its causes is transient: a Kafka
 *       {@link RetriableException} (a timeout, a leader change, not enough replicas) or a
 *       {@link RegistryUnavailableException} (the schema registry is down or answers 5xx after the codec's own
 *       bounded retries). Under exactly-once the dead thread's open transaction is aborted and its tasks restart from
 *       the last committed offsets, so the records being processed are processed again, once: nothing is lost or
 *       counted twice. At most {@code maxReplacements} replacements within {@code window} (default 10 in 10 minutes);
 *       beyond that an outage is taken as lasting and the client shuts down, rather than spinning.</li>
 *   <li><b>SHUTDOWN_CLIENT</b> for anything else (a bug, corrupt state, a fatal Kafka error): the client goes to
 *       ERROR, and {@link StreamsRuntime} makes the process exit with a non-zero code, so that the supervisor
 *       (systemd, Kubernetes) restarts it and the liveness probe reports it meanwhile.</li>
 * </ul>
 * Bad input records are not this handler's business: the topology sends them to the dead-letter topic.
 */
public final class UncaughtExceptionPolicy implements StreamsUncaughtExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(UncaughtExceptionPolicy.class);

    private final int maxReplacements;
    private final Duration window;
    private final Clock clock;
    private final Deque<Instant> replacements = new ArrayDeque<>();

    public UncaughtExceptionPolicy(int maxReplacements, Duration window, Clock clock) {
        this.maxReplacements = maxReplacements;
        this.window = window;
        this.clock = clock;
    }

    public static UncaughtExceptionPolicy defaults() {
        return new UncaughtExceptionPolicy(10, Duration.ofMinutes(10), Clock.systemUTC());
    }

    @Override
    public synchronized StreamThreadExceptionResponse handle(Throwable exception) {
        if (!isTransient(exception)) {
            log.error("stream thread failed with a non-transient error; shutting the client down", exception);
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        }
        Instant now = clock.instant();
        while (!replacements.isEmpty() && replacements.peekFirst().isBefore(now.minus(window))) {
            replacements.removeFirst();
        }
        if (replacements.size() >= maxReplacements) {
            log.error("stream thread failed with a transient error, but {} threads were already replaced in the last {};"
                    + " shutting the client down", replacements.size(), window, exception);
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        }
        replacements.addLast(now);
        log.warn("stream thread failed with a transient error ({}); replacing it ({} of at most {} in {})",
                describe(exception), replacements.size(), maxReplacements, window);
        return StreamThreadExceptionResponse.REPLACE_THREAD;
    }

    /** True if {@code e} or one of its causes is a Kafka retriable error or a registry outage. */
    public static boolean isTransient(Throwable e) {
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        for (Throwable t = e; t != null && seen.put(t, Boolean.TRUE) == null; t = t.getCause()) {
            if (t instanceof RetriableException || t instanceof RegistryUnavailableException) return true;
        }
        return false;
    }

    private static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder();
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        for (Throwable t = e; t != null && seen.put(t, Boolean.TRUE) == null; t = t.getCause()) {
            if (sb.length() > 0) sb.append(" <- ");
            sb.append(t.getClass().getSimpleName());
            if (t.getMessage() != null) sb.append(": ").append(t.getMessage());
        }
        return sb.toString();
    }
}
