package io.cacstreams.topology;

import io.cacstreams.config.AppConfig;
import io.cacstreams.config.Durations;
import org.apache.kafka.streams.state.KeyValueStore;

import java.time.Instant;

/**
 * The stream time of one stage of one task: the largest event time (occurredAt) it has accepted. Kept in a state
 * store (so it is restored with the task, exactly like the rest of the state) rather than taken from record
 * timestamps, which producers set as they like.
 */
final class StreamClock {
    private final KeyValueStore<String, Long> store;
    private final String key;
    private Long cached;

    StreamClock(KeyValueStore<String, Long> store) {
        this(store, "stream-time");
    }

    /** A clock kept under {@code key}, for a stage that keeps more than one. */
    StreamClock(KeyValueStore<String, Long> store, String key) {
        this.store = store;
        this.key = key;
        this.cached = store.get(key);
    }

    /** The stream time, or null before the first event. */
    Long now() {
        return cached;
    }

    void advance(long eventTime) {
        if (cached == null || eventTime > cached) {
            cached = eventTime;
            store.put(key, eventTime);
        }
    }

    /** Older than the longest window plus the grace period, relative to this clock. */
    boolean isLate(long eventTime, AppConfig config) {
        return cached != null && eventTime <= cached - config.longestWindow().toMillis() - config.grace().toMillis();
    }

    String lateDetail(long eventTime, AppConfig config) {
        return "occurredAt " + Instant.ofEpochMilli(eventTime) + " is older than stream time " + Instant.ofEpochMilli(cached)
                + " minus the longest window (" + Durations.format(config.longestWindow()) + ") and grace ("
                + Durations.format(config.grace()) + ")";
    }
}
