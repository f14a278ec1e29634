package io.cacstreams.topology;

import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.util.HashMap;
import java.util.Map;

/**
 * How far the conversions have been read, for giving up on held churns: the lowest of the per-input-partition clocks
 * (largest occurredAt seen from each partition of the conversions topic). A churn waits for a conversion that may sit
 * in any partition, so it must not be given up while some partition that still delivers data lags behind (after a
 * restart, a rebalance or a backlog, partitions are read at different speeds).
 * <p>
 * Every partition of the conversions topic counts, including those that have delivered nothing to this task yet:
 * at the start of a backlog one partition can run days ahead before another is read at all, and giving up on a churn
 * then would lose it. A partition that has delivered nothing for {@code idleMs} of wall-clock time (since it last
 * delivered, or since this task started) is idle, not lagging, and is left out so that an empty or finished
 * partition cannot stall the expiry forever; when every partition is idle, the highest clock counts.
 */
final class ConversionWatermark {
    private static final String PREFIX = "conversions-p";
    private final KeyValueStore<String, Long> store;
    private final long idleMs;
    private final Map<Integer, Long> clocks = new HashMap<>();
    private final Map<Integer, Long> lastSeenWallClock = new HashMap<>();

    /**
     * @param partitions the partition count of the conversions topic, or 0 if not known (then only the partitions
     *                   that have delivered something count)
     */
    ConversionWatermark(KeyValueStore<String, Long> store, int partitions, long idleMs, long wallClockNow) {
        this.store = store;
        this.idleMs = idleMs;
        for (int p = 0; p < partitions; p++) lastSeenWallClock.put(p, wallClockNow);
        try (KeyValueIterator<String, Long> it = store.prefixScan(PREFIX, new StringSerializer())) {
            while (it.hasNext()) {
                var kv = it.next();
                int p = Integer.parseInt(kv.key.substring(PREFIX.length()));
                clocks.put(p, kv.value);
                lastSeenWallClock.put(p, wallClockNow); // after a restart every partition gets a fresh chance
            }
        }
    }

    void advance(int partition, long occurredAt, long wallClockNow) {
        lastSeenWallClock.put(partition, wallClockNow);
        Long c = clocks.get(partition);
        if (c == null || occurredAt > c) {
            clocks.put(partition, occurredAt);
            store.put(PREFIX + partition, occurredAt);
        }
    }

    /** The watermark, or null while nothing may be given up (no conversion yet, or a partition not read yet). */
    Long now(long wallClockNow) {
        Long min = null;
        Long max = null;
        boolean unreadPartition = false;
        for (Map.Entry<Integer, Long> e : lastSeenWallClock.entrySet()) {
            boolean idle = wallClockNow - e.getValue() >= idleMs;
            Long clock = clocks.get(e.getKey());
            if (clock == null) {
                if (!idle) unreadPartition = true;
                continue;
            }
            max = max == null ? clock : Math.max(max, clock);
            if (!idle) min = min == null ? clock : Math.min(min, clock);
        }
        if (unreadPartition) return null;
        return min != null ? min : max;
    }
}
