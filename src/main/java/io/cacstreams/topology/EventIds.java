package io.cacstreams.topology;

import io.cacstreams.internal.Origin;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The ids of the spend and lead events accepted by one task of the bucket stage, filed under their bucket so that
 * the ids of a bucket no copy could reach any more ({@link Settling#forgetThrough}) are dropped in one range. An id
 * is thus remembered exactly as long as a copy of its event could still be counted.
 * <p>
 * Each id is kept with the coordinates (topic, partition, offset) of the input record that carried it and of the
 * record this stage read it from (a repartition topic's). Under exactly-once every id seen is a duplicate. Under
 * {@code at_least_once}, the same input record read again from the same place is a replay (after a crash the stage
 * re-reads the records since its last commit while this store, written at once, may hold them and their effect may be
 * lost): it is processed again, since more than once is what at-least-once allows, and loss never.
 */
final class EventIds {
    private final KeyValueStore<Bytes, String> store;
    private final boolean replays;

    enum Verdict {
        /** Not seen: remembered now. */
        NEW,
        /** Seen from other input coordinates (or under exactly-once): drop. */
        DUPLICATE,
        /** The same input record again (at-least-once re-processing): process it again. */
        REPLAY
    }

    EventIds(KeyValueStore<Bytes, String> store, boolean replays) {
        this.store = store;
        this.replays = replays;
    }

    Verdict check(long bucket, String scope, String id, String origin, String read) {
        Bytes key = key(bucket, scope + "\u0000" + id);
        // where an id came from matters only to tell a replay from a duplicate: under exactly-once it is not kept
        // (two record coordinates are most of an entry's bytes)
        String where = replays ? origin + "|" + read : "";
        String seen = store.get(key);
        if (seen == null) {
            store.put(key, where);
            return Verdict.NEW;
        }
        boolean known = replays && !origin.isEmpty() && !read.isEmpty();
        return known && seen.equals(where) ? Verdict.REPLAY : Verdict.DUPLICATE;
    }

    /** Drops the ids of every bucket up to and including {@code bucket}. */
    void forgetThrough(long bucket) {
        List<Bytes> old = new ArrayList<>();
        try (KeyValueIterator<Bytes, String> it = store.range(null, key(bucket + 1, ""))) {
            while (it.hasNext()) {
                KeyValue<Bytes, String> kv = it.next();
                if (bucketOf(kv.key) > bucket) break;
                old.add(kv.key);
            }
        }
        old.forEach(store::delete);
    }

    /** Where a record came from, as kept with its id: {@code topic-partition@offset} ("" if not known). */
    static String coordinates(Origin origin) {
        return origin == null ? "" : origin.getTopic() + "-" + origin.getPartition() + "@" + origin.getOffset();
    }

    /** The coordinates of the record being processed, or "" outside of processing. */
    static String read(ProcessorContext<?, ?> context) {
        return context.recordMetadata().map(m -> m.topic() + "-" + m.partition() + "@" + m.offset()).orElse("");
    }

    private static Bytes key(long bucket, String rest) {
        byte[] r = rest.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(ByteBuffer.allocate(8 + r.length).putLong(bucket ^ Long.MIN_VALUE).put(r).array());
    }

    private static long bucketOf(Bytes key) {
        return ByteBuffer.wrap(key.get(), 0, 8).getLong() ^ Long.MIN_VALUE;
    }
}
