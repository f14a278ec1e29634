package io.cacstreams.topology;

import io.cacstreams.config.AppConfig;
import io.cacstreams.internal.AlertState;
import io.cacstreams.internal.ChannelState;
import io.cacstreams.internal.Counts;
import io.cacstreams.internal.CustomerRecord;
import io.cacstreams.internal.PendingChurns;
import io.cacstreams.serde.InternalAvroSerde;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.VersionedKeyValueStore;
import org.apache.kafka.streams.state.WindowBytesStoreSupplier;
import org.apache.kafka.streams.state.WindowStore;

import java.time.Duration;

/** Every state store of the topology, RocksDB by default or in memory ({@code cac.state.in.memory=true}). */
final class StoreFactory {
    private final AppConfig config;

    StoreFactory(AppConfig config) {
        this.config = config;
    }

    <T extends SpecificRecord> Serde<T> serde(Class<T> type) {
        return new InternalAvroSerde<>(type);
    }

    /**
     * The fx history, {@code cac.fx.history} (default ten years) behind the latest validFrom: conversions are never
     * LATE, so an old one must still find the rate of its day. A few currencies with a rate a day is a few thousand
     * small records.
     */
    StoreBuilder<VersionedKeyValueStore<String, String>> fxRates() {
        Duration history = config.fxHistory();
        return Stores.versionedKeyValueStoreBuilder(
                        Stores.persistentVersionedKeyValueStore(StoreNames.FX_RATES, history),
                        Serdes.String(), Serdes.String())
                .withLoggingDisabled();
    }

    void addAll(StreamsBuilder builder) {
        builder.addStateStore(kv(StoreNames.SPEND_CLOCK, Serdes.String(), Serdes.Long()));
        builder.addStateStore(kv(StoreNames.LEADS_CLOCK, Serdes.String(), Serdes.Long()));
        builder.addStateStore(kv(StoreNames.CUSTOMERS, Serdes.String(), serde(CustomerRecord.class)));
        builder.addStateStore(kv(StoreNames.PENDING_CHURNS, Serdes.String(), serde(PendingChurns.class)));
        builder.addStateStore(window(StoreNames.CUSTOMER_DEDUP));
        builder.addStateStore(kv(StoreNames.CUSTOMER_CLOCK, Serdes.String(), Serdes.Long()));
        builder.addStateStore(kv(StoreNames.CHANNEL_STATE, Serdes.String(), serde(ChannelState.class)));
        builder.addStateStore(kv(StoreNames.CHANNEL_BUCKETS, Serdes.Bytes(), serde(Counts.class)));
        builder.addStateStore(window(StoreNames.CHANNEL_DEDUP));
        builder.addStateStore(kv(StoreNames.CHANNEL_CLOCK, Serdes.String(), Serdes.Long()));
        builder.addStateStore(kv(StoreNames.ALERT_STATE, Serdes.String(), serde(AlertState.class)));
    }

    private <K, V> StoreBuilder<KeyValueStore<K, V>> kv(String name, Serde<K> keys, Serde<V> values) {
        KeyValueBytesStoreSupplier supplier = config.state().inMemory()
                ? Stores.inMemoryKeyValueStore(name) : Stores.persistentKeyValueStore(name);
        return Stores.keyValueStoreBuilder(supplier, keys, values).withCachingEnabled();
    }

    private StoreBuilder<WindowStore<String, String>> window(String name) {
        Duration retention = Deduplicator.storeRetention(config.dedupRetention());
        Duration size = Duration.ofMillis(1);
        WindowBytesStoreSupplier supplier = config.state().inMemory()
                ? Stores.inMemoryWindowStore(name, retention, size, false)
                : Stores.persistentWindowStore(name, retention, size, false);
        return Stores.windowStoreBuilder(supplier, Serdes.String(), Serdes.String());
    }
}
