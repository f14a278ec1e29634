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
 * Each id is kept with the coordinates (topic, partition, offset) of the input record that carried it and of the
 * record this stage read it from (a repartition topic's). The same id from other input coordinates is a duplicate
 * (a producer retry, a re-send). The same input record read again by this stage from the same place is a replay:
 * under {@code at_least_once}, after a crash, a stage processes again the records since its last commit while its
 * de-duplication store (written at once) may already hold them and the effects they had (cached state, outputs) may
 * be lost. A replay must not be dropped, or the event would be lost; it is processed again (more than once is what
 * at-least-once allows). A second copy of the same input record from another place (the upstream stage's own replay
 * wrote it to the repartition topic again) is a duplicate: this stage read the first copy earlier in offset order
 * and, should its effect have been lost, reads that first copy again itself. Under exactly-once a replay cannot
 * happen, so there every id seen within the retention is a duplicate (a fault test saw one lead counted twice after
 * a failover under exactly-once when same-coordinates re-reads were taken for replays there too).
 */
final class Deduplicator {
    static final int SLOTS = 8;
    private final WindowStore<String, String> store;
    private final long retentionMs;
    private final long slotMs;
    private final boolean replays;

    enum Verdict {
        /** Not seen within the retention: remembered now. */
        NEW,
        /** Seen from other input coordinates within the retention: drop. */
        DUPLICATE,
        /** The same input record again (at-least-once re-processing): process it again. */
        REPLAY
    }

    /**
     * @param replays whether a record can be read again after its effects reached this store, i.e. whether the
     *                application runs {@code at_least_once}; under exactly-once it cannot, and every id seen within
     *                the retention is a duplicate, whatever its coordinates
     */
    Deduplicator(WindowStore<String, String> store, Duration retention, boolean replays) {
        this.store = store;
        this.retentionMs = retention.toMillis();
        this.slotMs = Math.max(1, retentionMs / SLOTS);
        this.replays = replays;
    }

    /** The de-duplication of {@code config}'s application over {@code store}. */
    static Deduplicator of(WindowStore<String, String> store, io.cacstreams.config.AppConfig config) {
        boolean atLeastOnce = org.apache.kafka.streams.StreamsConfig.AT_LEAST_ONCE.equals(config.kafka().getOrDefault(
                org.apache.kafka.streams.StreamsConfig.PROCESSING_GUARANTEE_CONFIG,
                org.apache.kafka.streams.StreamsConfig.EXACTLY_ONCE_V2));
        return new Deduplicator(store, config.dedupRetention(), atLeastOnce);
    }

    /** The window-store retention that keeps every id for at least {@code retention}. */
    static Duration storeRetention(Duration retention) {
        return retention.plusMillis(Math.max(1, retention.toMillis() / SLOTS));
    }

    /** Where a record came from, as kept with its id: {@code topic-partition@offset} ("" if not known). */
    static String coordinates(Origin origin) {
        return origin == null ? "" : coordinates(origin.getTopic(), origin.getPartition(), origin.getOffset());
    }

    static String coordinates(String topic, int partition, long offset) {
        return topic + "-" + partition + "@" + offset;
    }

    /**
     * {@link Verdict#REPLAY} if {@code id} was accepted less than the retention ago ({@code now - acceptedAt <
     * retention}, exactly: the stored value has the stream time it was accepted at) from the same input record read
     * from the same place ({@code origin} and {@code read} both equal and known), {@link Verdict#DUPLICATE} if
     * otherwise accepted within the retention; else remembers it as accepted {@code now} and returns
     * {@link Verdict#NEW}.
     */
    Verdict check(String id, long now, String origin, String read) {
        String where = origin + "|" + read;
        try (WindowStoreIterator<String> it = store.fetch(id, now - retentionMs - slotMs, now)) {
            while (it.hasNext()) {
                String v = it.next().value;
                int bar = v.indexOf('|');
                long acceptedAt = Long.parseLong(bar < 0 ? v : v.substring(0, bar));
                if (now - acceptedAt < retentionMs) {
                    boolean known = replays && !origin.isEmpty() && !read.isEmpty();
                    return known && bar >= 0 && v.substring(bar + 1).equals(where) ? Verdict.REPLAY : Verdict.DUPLICATE;
                }
            }
        }
        store.put(id, now + "|" + where, Math.floorDiv(now, slotMs) * slotMs);
        return Verdict.NEW;
    }

    /** The coordinates of the record being processed, or "" outside of processing. */
    static String read(org.apache.kafka.streams.processor.api.ProcessorContext<?, ?> context) {
        return context.recordMetadata().map(m -> coordinates(m.topic(), m.partition(), m.offset())).orElse("");
    }
}
