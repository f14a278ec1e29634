package io.cacstreams.topology;

import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

import java.time.Duration;

/**
 * Remembers event ids for at least the retention period of stream time, in a window store whose old segments are
 * dropped whole, so forgetting costs nothing per record. Ids are filed under their stream time rounded down to a
 * slot of 1/8 of the retention, so a lookup visits a handful of time slots whatever the store implementation
 * (the in-memory window store scans every distinct timestamp in the range).
 */
final class Deduplicator {
    static final int SLOTS = 8;
    private final WindowStore<String, Long> store;
    private final long retentionMs;
    private final long slotMs;

    Deduplicator(WindowStore<String, Long> store, Duration retention) {
        this.store = store;
        this.retentionMs = retention.toMillis();
        this.slotMs = Math.max(1, retentionMs / SLOTS);
    }

    /** The window-store retention that keeps every id for at least {@code retention}. */
    static Duration storeRetention(Duration retention) {
        return retention.plusMillis(Math.max(1, retention.toMillis() / SLOTS));
    }

    /** True if {@code id} was seen within the retention; otherwise remembers it (at stream time {@code now}). */
    boolean seen(String id, long now) {
        try (WindowStoreIterator<Long> it = store.fetch(id, now - retentionMs - slotMs, now)) {
            if (it.hasNext()) return true;
        }
        store.put(id, now, Math.floorDiv(now, slotMs) * slotMs);
        return false;
    }
}
