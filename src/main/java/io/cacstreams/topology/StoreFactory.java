package io.cacstreams.topology;

import io.cacstreams.config.AppConfig;
import io.cacstreams.serde.InternalAvroSerde;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.VersionedKeyValueStore;

import java.time.Duration;

/**
 * How the topology's state stores are built, RocksDB by default or in memory ({@code cac.state.in.memory=true}).
 * Each processor's supplier declares its own stores with {@link #kv}; only the global fx store is built here.
 */
final class StoreFactory {
    private StoreFactory() {
    }

    static <T extends SpecificRecord> Serde<T> serde(Class<T> type) {
        return new InternalAvroSerde<>(type);
    }

    /**
     * The fx history, {@code cac.fx.history} (default ten years) behind the latest validFrom: conversions are never
     * LATE, so an old one must still find the rate of its day. A few currencies with a rate a day is a few thousand
     * small records.
     */
    static StoreBuilder<VersionedKeyValueStore<String, String>> fxRates(AppConfig config) {
        Duration history = config.fxHistory();
        return Stores.versionedKeyValueStoreBuilder(
                        Stores.persistentVersionedKeyValueStore(StoreNames.FX_RATES, history),
                        Serdes.String(), Serdes.String())
                .withLoggingDisabled();
    }

    /** A cached key-value store, logged to its changelog. */
    static <K, V> StoreBuilder<KeyValueStore<K, V>> kv(AppConfig config, String name, Serde<K> keys, Serde<V> values) {
        KeyValueBytesStoreSupplier supplier = config.state().inMemory()
                ? Stores.inMemoryKeyValueStore(name) : Stores.persistentKeyValueStore(name);
        return Stores.keyValueStoreBuilder(supplier, keys, values).withCachingEnabled();
    }
}
