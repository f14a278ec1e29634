package io.cacstreams.config;

/**
 * How state is kept: {@code inMemory} swaps RocksDB for in-memory stores (tests, short demos; state is then rebuilt
 * from changelogs on restart), {@code repartitionPartitions} fixes the partition count of every repartition topic so
 * the topics feeding one stage are always co-partitioned.
 */
public record StateSettings(boolean inMemory, int repartitionPartitions) {
}
