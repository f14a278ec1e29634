package io.cacstreams.config;

/**
 * How state is kept: {@code inMemory} swaps RocksDB for in-memory stores (tests, short demos; state is then rebuilt
 * from changelogs on restart), {@code repartitionPartitions} fixes the partition count of every repartition topic so
 * the topics feeding one stage are always co-partitioned, and RocksDB's memory is bounded per process by one shared
 * block cache of {@code rocksDbCacheBytes}, of which memtables may take {@code rocksDbWriteBufferBytes}.
 * {@code conversionsPartitions} is the partition count of the conversions topic (0: not known), which the customer
 * stage needs to know how far every partition has been read before it gives up on a held churn; {@code run} and
 * {@code demo} find it out from the broker when it is not set.
 */
public record StateSettings(boolean inMemory, int repartitionPartitions, long rocksDbCacheBytes,
                            long rocksDbWriteBufferBytes, int conversionsPartitions) {
}
