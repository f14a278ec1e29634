package io.cacstreams.config;

import java.time.Duration;

/**
 * How state and progress are kept: {@code inMemory} swaps RocksDB for in-memory stores (tests, short demos; state is
 * then rebuilt from changelogs on restart), {@code repartitionPartitions} fixes the partition count of every
 * repartition topic so the topics feeding one stage are always co-partitioned (and each stage knows how many upstream
 * tasks report progress to it), and RocksDB's memory is bounded per process by one shared block cache of
 * {@code rocksDbCacheBytes}, of which memtables may take {@code rocksDbWriteBufferBytes}.
 * {@code inputPartitions} are the partition counts of the input topics (0: not known), which the downstream stages
 * need to know how far every input partition has been read; {@code run} and {@code demo} find them out from the
 * broker when they are not set. An input partition that delivers nothing for {@code idleTimeout} of wall-clock time
 * is idle and stops holding the watermark back (docs/semantics.md, "Progress and settled windows").
 */
public record StateSettings(boolean inMemory, int repartitionPartitions, long rocksDbCacheBytes,
                            long rocksDbWriteBufferBytes, InputPartitions inputPartitions, Duration idleTimeout) {

    /** Partition counts of the four event topics; 0 = not known (only partitions heard from count then). */
    public record InputPartitions(int spend, int leads, int conversions, int churn) {
        /** The setting that holds the count of each input, by the role's name. */
        public static final String[] ROLES = {"spend", "leads", "conversions", "churn"};

        public int of(String role) {
            return switch (role) {
                case "spend" -> spend;
                case "leads" -> leads;
                case "conversions" -> conversions;
                case "churn" -> churn;
                default -> throw new IllegalArgumentException(role);
            };
        }
    }
}
