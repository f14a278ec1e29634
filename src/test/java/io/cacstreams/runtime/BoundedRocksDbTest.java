package io.cacstreams.runtime;

import org.junit.jupiter.api.Test;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.CompressionType;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class BoundedRocksDbTest {
    static {
        RocksDB.loadLibrary();
    }

    @Test
    void everyStoreSharesTheCacheAndTakesSmallMemtableBlocks() {
        BoundedRocksDb setter = new BoundedRocksDb();
        try (Options options = new Options()) {
            options.setTableFormatConfig(new BlockBasedTableConfig());
            long defaultArena = options.arenaBlockSize();
            setter.setConfig("a-store", options, Map.of("cac.rocksdb.cache.bytes", "8388608",
                    "cac.rocksdb.write.buffer.bytes", "4194304"));
            // RocksDB's default (0: an eighth of the write buffer) made a hundred stores overrun the shared budget
            assertThat(defaultArena).isNotEqualTo(BoundedRocksDb.ARENA_BLOCK_BYTES);
            assertThat(options.arenaBlockSize()).isEqualTo(BoundedRocksDb.ARENA_BLOCK_BYTES);
            assertThat(options.compressionType()).isEqualTo(CompressionType.LZ4_COMPRESSION);
            BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
            assertThat(table.cacheIndexAndFilterBlocks()).isTrue();
        }
    }
}
