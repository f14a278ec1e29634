package io.cacstreams.topology;

import io.cacstreams.config.AppConfig;
import io.cacstreams.config.Durations;

import java.time.Instant;

/**
 * The arithmetic of settled windows (docs/semantics.md, "Progress and settled windows"). Every accepted event is read
 * at some <em>partition clock</em> c: the largest occurredAt read so far from its input partition, itself included.
 * The window ending with bucket B is <em>settled</em> once every input partition has been read past the end of B plus
 * the grace; it counts exactly the events of its buckets read at a clock before that point. So an event of bucket b
 * read at clock c counts in the settled windows ending with the buckets from {@link #settleStart}{@code (b, c)} on,
 * as long as they cover b: a function of each partition's order alone, whatever the speed, the interleaving of
 * partitions or the restarts. An event that can reach no such window (older than the accept horizon: the longest
 * window, or a shorter {@code cac.dedup.retention}, plus the grace) is LATE.
 */
final class Settling {
    private final long size;
    private final long grace;
    private final long horizon;

    Settling(AppConfig config) {
        this.size = config.bucket().toMillis();
        this.grace = config.grace().toMillis();
        long retention = Math.floorDiv(config.dedupRetention().toMillis() + size - 1, size) * size;
        this.horizon = Math.min(config.longestWindow().toMillis(), retention);
    }

    long bucketStart(long t) {
        return Math.floorDiv(t, size) * size;
    }

    long bucketSize() {
        return size;
    }

    /** The first bucket whose settled windows can include an event of bucket {@code bucket} read at {@code clock}. */
    long settleStart(long bucket, long clock) {
        return Math.max(bucket, bucketStart(clock - grace));
    }

    /** Every bucket before this one is settled once the watermark (over every input partition) is {@code w}. */
    long settledBefore(long watermark) {
        return bucketStart(watermark - grace);
    }

    /** True when an event of {@code bucket} settling from {@code settle} on counts in no window: LATE. */
    boolean late(long bucket, long settle) {
        return settle >= bucket + horizon;
    }

    /** The ids of events of this bucket or older can be forgotten at {@code watermark}: every copy would be LATE. */
    long forgetThrough(long watermark) {
        return settledBefore(watermark) - horizon;
    }

    String lateDetail(long occurredAt, long clock) {
        return "occurredAt " + Instant.ofEpochMilli(occurredAt) + " is older than the accept horizon ("
                + Durations.format(java.time.Duration.ofMillis(horizon)) + " plus the grace "
                + Durations.format(java.time.Duration.ofMillis(grace)) + ") behind its partition's clock "
                + Instant.ofEpochMilli(clock);
    }
}
