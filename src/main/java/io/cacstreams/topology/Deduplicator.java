package io.cacstreams.topology;

import io.cacstreams.internal.Origin;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

import java.time.Duration;

/**
 * Remembers event ids for at least the retention period of stream time, in a window store whose old segments are
 * dropped whole, so forgetting costs nothing per record. Ids are filed under their stream time rounded down to a
 * slot of 1/8 of the retention, so a lookup visits a handful of time slots whatever the store implementation
 * (the in-memory window store scans every distinct timestamp in the range).
 * <p>
 * Each id is kept with the coordinates (topic, partition, offset) of the input record that carried it. The same id
 * from other coordinates is a duplicate (a producer retry, a re-send); the same id from the same coordinates is the
 * same record read again: under {@code at_least_once}, after a crash, records since the last commit are processed
 * again while the de-duplication store (written at once) may already hold them and the effects they had (outputs,
 * cached state) may be lost. Such a replay must not be dropped, or the event would be lost; it is processed again
 * (more than once is what at-least-once allows). Under exactly-once a replay never reaches a store that saw it.
 */
final class Deduplicator {
    static final int SLOTS = 8;
    private final WindowStore<String, String> store;
    private final long retentionMs;
    private final long slotMs;

    enum Verdict {
        /** Not seen within the retention: remembered now. */
        NEW,
        /** Seen from other input coordinates within the retention: drop. */
        DUPLICATE,
        /** The same input record again (at-least-once re-processing): process it again. */
        REPLAY
    }

    Deduplicator(WindowStore<String, String> store, Duration retention) {
        this.store = store;
        this.retentionMs = retention.toMillis();
        this.slotMs = Math.max(1, retentionMs / SLOTS);
    }

    /** The window-store retention that keeps every id for at least {@code retention}. */
    static Duration storeRetention(Duration retention) {
        return retention.plusMillis(Math.max(1, retention.toMillis() / SLOTS));
    }

    /** Where a record came from, as kept with its id: {@code topic-partition@offset} ("" if not known). */
    static String coordinates(Origin origin) {
        return origin == null ? "" : origin.getTopic() + "-" + origin.getPartition() + "@" + origin.getOffset();
    }

    /**
     * {@link Verdict#DUPLICATE} if {@code id} was accepted from other coordinates less than the retention ago
     * ({@code now - acceptedAt < retention}, exactly: the stored value has the stream time it was accepted at),
     * {@link Verdict#REPLAY} if from the same coordinates; otherwise remembers it as accepted {@code now} from
     * {@code coordinates} and returns {@link Verdict#NEW}.
     */
    Verdict check(String id, long now, String coordinates) {
        try (WindowStoreIterator<String> it = store.fetch(id, now - retentionMs - slotMs, now)) {
            while (it.hasNext()) {
                String v = it.next().value;
                int bar = v.indexOf('|');
                long acceptedAt = Long.parseLong(bar < 0 ? v : v.substring(0, bar));
                if (now - acceptedAt < retentionMs) {
                    String from = bar < 0 ? "" : v.substring(bar + 1);
                    return !from.isEmpty() && from.equals(coordinates) ? Verdict.REPLAY : Verdict.DUPLICATE;
                }
            }
        }
        store.put(id, now + "|" + coordinates, Math.floorDiv(now, slotMs) * slotMs);
        return Verdict.NEW;
    }
}
