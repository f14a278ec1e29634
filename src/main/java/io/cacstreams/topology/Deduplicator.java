package io.cacstreams.topology;

import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

import java.time.Duration;

/**
 * Remembers event ids for the retention period of stream time (a window store: old segments are dropped whole, so
 * forgetting costs nothing per record).
 */
final class Deduplicator {
    private final WindowStore<String, Long> store;
    private final long retentionMs;

    Deduplicator(WindowStore<String, Long> store, Duration retention) {
        this.store = store;
        this.retentionMs = retention.toMillis();
    }

    /** True if {@code id} was seen within the retention; otherwise remembers it (at stream time {@code now}). */
    boolean seen(String id, long now) {
        try (WindowStoreIterator<Long> it = store.fetch(id, now - retentionMs, now)) {
            if (it.hasNext()) return true;
        }
        store.put(id, now, now);
        return false;
    }
}
