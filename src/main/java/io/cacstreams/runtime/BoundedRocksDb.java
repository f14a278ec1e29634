package io.cacstreams.runtime;

import io.cacstreams.config.AppConfig;
import io.cacstreams.config.StateSettings;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.CompressionType;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

import java.util.Map;
import java.util.TreeMap;

/**
 * Bounds the memory of every RocksDB store of the process (Kafka Streams' recipe "bounded memory usage"): one LRU
 * block cache shared by all stores, with memtables charged to it through a write-buffer manager, and index and
 * filter blocks kept in the cache too. Sizes from {@code cac.rocksdb.cache.bytes} and
 * {@code cac.rocksdb.write.buffer.bytes} (defaults 64 MiB and 16 MiB), read from the Streams properties.
 */
public final class BoundedRocksDb implements RocksDBConfigSetter {
    /**
     * The memtable's allocation unit. RocksDB's default is an eighth of the write buffer size (2 MiB for Kafka
     * Streams' 16 MiB), and every store with unflushed writes holds at least one such block, all charged to the
     * shared write-buffer budget: with a hundred stores (19 per partition) the budget was always exceeded, so
     * every write flushed a memtable to a new file (bench: tens of thousands of files per store, the stream thread
     * mostly inside {@code RocksDB.put}). Small blocks let a store's memtable take only what it holds.
     */
    static final long ARENA_BLOCK_BYTES = 64L << 10;
    private static final Object LOCK = new Object();
    private static Cache cache;
    private static WriteBufferManager writeBuffers;
    private static long configuredBytes = -1;

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        StateSettings state = settings(configs);
        synchronized (LOCK) {
            if (cache == null || configuredBytes != state.rocksDbCacheBytes()) {
                // strict capacity limit off: a full cache slows reads down rather than failing writes
                cache = new LRUCache(state.rocksDbCacheBytes(), -1, false, 0.1);
                writeBuffers = new WriteBufferManager(state.rocksDbWriteBufferBytes(), cache);
                configuredBytes = state.rocksDbCacheBytes();
            }
            BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
            table.setBlockCache(cache);
            table.setCacheIndexAndFilterBlocks(true);
            table.setCacheIndexAndFilterBlocksWithHighPriority(true);
            table.setPinTopLevelIndexAndFilter(true);
            options.setWriteBufferManager(writeBuffers);
            options.setArenaBlockSize(ARENA_BLOCK_BYTES);
            // ids, keys and Avro values compress well; LZ4 costs little CPU (Kafka Streams writes them uncompressed)
            options.setCompressionType(CompressionType.LZ4_COMPRESSION);
            options.setTableFormatConfig(table);
        }
    }

    @Override
    public void close(String storeName, Options options) {
        // the cache and write-buffer manager are shared by every store of the process: never closed per store
    }

    static StateSettings settings(Map<String, ?> configs) {
        Map<String, String> cac = new TreeMap<>();
        configs.forEach((k, v) -> {
            if (k.startsWith("cac.rocksdb.") && v != null) cac.put(k, v.toString());
        });
        return AppConfig.from(cac).state();
    }
}
