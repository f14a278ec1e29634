package io.cacstreams.query;

import io.cacstreams.config.AppConfig;
import io.cacstreams.events.AlertStatus;
import io.cacstreams.events.ChannelAlert;
import io.cacstreams.events.ChannelMetrics;
import io.cacstreams.serde.AvroCodec;
import io.cacstreams.serde.DecodeException;
import io.cacstreams.serde.SchemaRegistryClient;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowBytesStoreSupplier;
import org.apache.kafka.streams.state.WindowStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;

/**
 * The state the query API reads, kept by a sub-topology of its own that consumes cac-streams' outputs
 * ({@code channel-metrics}, {@code channel-alerts}) like any subscriber would, so it needs nothing from the stages
 * that compute them:
 * <ul>
 *   <li>{@value #LATEST_STORE}: the latest metrics record per (channel, window), key {@code <channel>|<days>d} (the
 *       topic's key, so the record's partition is the key's and {@code KafkaStreams.queryMetadataForKey} finds its
 *       owner); "latest" is by {@code asOf} (stream time), a later arrival winning a tie;</li>
 *   <li>{@value #HISTORY_STORE}: per (channel, window) one point per UTC day, the figures as of the end of that day:
 *       its latest <em>settled</em> record (final, a function of the input alone), or, while the day has none yet
 *       (today), its latest live snapshot; a record's day is that of the instant just before its {@code asOf}, so
 *       the window settled at midnight closes the day before. Kept in a window store that drops days older than
 *       {@code cac.query.history.retention} (default 400 days) behind the newest day it holds;</li>
 *   <li>{@value #OPEN_ALERTS_STORE}: the alerts now FIRING, by {@code dedupKey} (the topic's key), the latest
 *       transition of each (a change of severity replaces it); a RESOLVED removes it.</li>
 * </ul>
 * Values are kept as the topic's bytes (Confluent wire format), so they are read back through the registry with the
 * writer schema they were written with: a field added to the output schemas later needs no migration of this state.
 * Every node, store and changelog is explicitly named ({@code ensure.explicit.internal.resource.naming}).
 */
public final class MetricsViewTopology {
    public static final String LATEST_STORE = "query-latest-metrics";
    public static final String HISTORY_STORE = "query-metrics-history";
    public static final String OPEN_ALERTS_STORE = "query-open-alerts";
    /** One history point per day. */
    public static final Duration HISTORY_STEP = Duration.ofDays(1);
    private static final Logger log = LoggerFactory.getLogger(MetricsViewTopology.class);

    private MetricsViewTopology() {
    }

    /** Adds the sub-topology (two sources, two processors, three stores) to {@code builder}. */
    public static void addTo(StreamsBuilder builder, AppConfig config, SchemaRegistryClient registry) {
        boolean inMemory = config.state().inMemory();
        builder.addStateStore(keyValue(LATEST_STORE, inMemory));
        builder.addStateStore(history(config.query().historyRetention(), inMemory));
        builder.addStateStore(keyValue(OPEN_ALERTS_STORE, inMemory));
        AvroCodec<ChannelMetrics> metrics = new AvroCodec<>(registry, ChannelMetrics.class, false, false);
        AvroCodec<ChannelAlert> alerts = new AvroCodec<>(registry, ChannelAlert.class, false, false);
        builder.stream(config.topics().metrics(), Consumed.with(Serdes.String(), Serdes.ByteArray())
                        .withName("query-metrics-source"))
                .process(() -> new MetricsView(metrics, config.topics().metrics()), Named.as("query-metrics-view"), LATEST_STORE, HISTORY_STORE);
        builder.stream(config.topics().alerts(), Consumed.with(Serdes.String(), Serdes.ByteArray())
                        .withName("query-alerts-source"))
                .process(() -> new AlertsView(alerts, config.topics().alerts()), Named.as("query-alerts-view"), OPEN_ALERTS_STORE);
    }

    /** The start of the day a history point of figures as of {@code asOf} is kept for (asOf midnight: the day before). */
    public static long historyDay(Instant asOf) {
        return dayOf(asOf.toEpochMilli() - 1);
    }

    /** The start of the UTC day of {@code instant}. */
    public static long dayOf(Instant instant) {
        return dayOf(instant.toEpochMilli());
    }

    private static long dayOf(long millis) {
        long step = HISTORY_STEP.toMillis();
        return Math.floorDiv(millis, step) * step;
    }

    private static StoreBuilder<KeyValueStore<String, byte[]>> keyValue(String name, boolean inMemory) {
        KeyValueBytesStoreSupplier supplier = inMemory
                ? Stores.inMemoryKeyValueStore(name) : Stores.persistentKeyValueStore(name);
        return Stores.keyValueStoreBuilder(supplier, Serdes.String(), Serdes.ByteArray()).withCachingEnabled();
    }

    private static StoreBuilder<WindowStore<String, byte[]>> history(Duration retention, boolean inMemory) {
        WindowBytesStoreSupplier supplier = inMemory
                ? Stores.inMemoryWindowStore(HISTORY_STORE, retention, HISTORY_STEP, false)
                : Stores.persistentWindowStore(HISTORY_STORE, retention, HISTORY_STEP, false);
        return Stores.windowStoreBuilder(supplier, Serdes.String(), Serdes.ByteArray()).withCachingEnabled();
    }

    /** Decodes an output record; null (logged) for one that is not ours to read, which is then left out. */
    static <T extends SpecificRecord> T decode(AvroCodec<T> codec, String topic, byte[] bytes) {
        try {
            return codec.decode(topic, bytes);
        } catch (DecodeException e) {
            log.warn("query view: a record of {} is not a readable {} and is left out: {}", topic,
                    codec.type().getSimpleName(), e.getMessage());
            return null;
        }
    }

    private static final class MetricsView implements Processor<String, byte[], Void, Void> {
        private final AvroCodec<ChannelMetrics> codec;
        private final String topic;
        private KeyValueStore<String, byte[]> latest;
        private WindowStore<String, byte[]> history;

        MetricsView(AvroCodec<ChannelMetrics> codec, String topic) {
            this.codec = codec;
            this.topic = topic;
        }

        @Override
        public void init(ProcessorContext<Void, Void> context) {
            latest = context.getStateStore(LATEST_STORE);
            history = context.getStateStore(HISTORY_STORE);
        }

        @Override
        public void process(Record<String, byte[]> record) {
            if (record.key() == null || record.value() == null) return;
            ChannelMetrics m = decode(codec, topic, record.value());
            if (m == null) return;
            if (replaces(m, latest.get(record.key()), false)) latest.put(record.key(), record.value());
            long day = historyDay(m.getAsOf());
            if (replaces(m, history.fetch(record.key(), day), true)) history.put(record.key(), record.value(), day);
        }

        /** Whether {@code m} replaces the record {@code kept}: by asOf (a tie: the later arrival), settled first. */
        private boolean replaces(ChannelMetrics m, byte[] kept, boolean settledFirst) {
            if (kept == null) return true;
            ChannelMetrics old = decode(codec, topic, kept);
            if (old == null) return true;
            if (settledFirst && settled(m) != settled(old)) return settled(m);
            return !m.getAsOf().isBefore(old.getAsOf());
        }

        /** Records written before the field existed (null) were each the figures of their time: settled. */
        private static boolean settled(ChannelMetrics m) {
            return !Boolean.FALSE.equals(m.getSettled());
        }
    }

    private static final class AlertsView implements Processor<String, byte[], Void, Void> {
        private final AvroCodec<ChannelAlert> codec;
        private final String topic;
        private KeyValueStore<String, byte[]> open;

        AlertsView(AvroCodec<ChannelAlert> codec, String topic) {
            this.codec = codec;
            this.topic = topic;
        }

        @Override
        public void init(ProcessorContext<Void, Void> context) {
            open = context.getStateStore(OPEN_ALERTS_STORE);
        }

        @Override
        public void process(Record<String, byte[]> record) {
            if (record.key() == null || record.value() == null) return;
            ChannelAlert a = decode(codec, topic, record.value());
            if (a == null) return;
            if (a.getStatus() == AlertStatus.FIRING) {
                open.put(record.key(), record.value());
            } else {
                open.delete(record.key());
            }
        }
    }
}
