package io.cacstreams.topology;

import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.util.HashMap;
import java.util.Map;

/**
 * How far the conversions have been read, for giving up on held churns: the lowest of the per-input-partition clocks
 * (largest occurredAt seen from each partition of the conversions topic). A churn waits for a conversion that may sit
 * in any partition, so it must not be given up while some partition that still delivers data lags behind (after a
 * restart, a rebalance or a backlog, partitions are read at different speeds). A partition that has delivered
 * nothing for {@code idleMs} of wall-clock time is idle, not lagging, and is left out so that it cannot stall the
 * expiry forever; when every partition is idle, everything has been read and the highest clock counts.
 */
final class ConversionWatermark {
    private static final String PREFIX = "conversions-p";
    private final KeyValueStore<String, Long> store;
    private final long idleMs;
    private final Map<Integer, Long> clocks = new HashMap<>();
    private final Map<Integer, Long> lastSeenWallClock = new HashMap<>();

    ConversionWatermark(KeyValueStore<String, Long> store, long idleMs, long wallClockNow) {
        this.store = store;
        this.idleMs = idleMs;
        try (KeyValueIterator<String, Long> it = store.prefixScan(PREFIX, new org.apache.kafka.common.serialization.StringSerializer())) {
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

    /** The watermark, or null before any conversion. */
    Long now(long wallClockNow) {
        Long min = null;
        Long max = null;
        for (Map.Entry<Integer, Long> e : clocks.entrySet()) {
            max = max == null ? e.getValue() : Math.max(max, e.getValue());
            boolean idle = wallClockNow - lastSeenWallClock.getOrDefault(e.getKey(), wallClockNow) >= idleMs;
            if (!idle) min = min == null ? e.getValue() : Math.min(min, e.getValue());
        }
        return min != null ? min : max;
    }
}
