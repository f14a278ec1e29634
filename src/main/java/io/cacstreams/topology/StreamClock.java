package io.cacstreams.topology;

import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The clock of one input partition: the largest event time (occurredAt) it has accepted. Kept in a state store (so
 * it is restored with the task, exactly like the rest of the state) rather than taken from record timestamps, which
 * producers set as they like.
 */
final class StreamClock {
    private static final String KEY = "stream-time";
    private final KeyValueStore<String, Long> store;
    private Long cached;

    StreamClock(KeyValueStore<String, Long> store) {
        this.store = store;
        this.cached = store.get(KEY);
    }

    /** The clock, or null before the first event. */
    Long now() {
        return cached;
    }

    void advance(long eventTime) {
        if (cached == null || eventTime > cached) {
            cached = eventTime;
            store.put(KEY, eventTime);
        }
    }
}
