package io.cacstreams.query;

import io.cacstreams.config.TopicNames;
import io.cacstreams.events.ChannelAlert;
import io.cacstreams.events.ChannelMetrics;
import io.cacstreams.serde.AvroCodec;
import io.cacstreams.serde.SchemaRegistryClient;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreType;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * This instance's part of the query view ({@link MetricsViewTopology}'s stores of the tasks it runs as active; a
 * standby's copy may lag, so it is not read), decoded.
 */
final class LocalViews {
    private final KafkaStreams streams;
    private final AvroCodec<ChannelMetrics> metrics;
    private final AvroCodec<ChannelAlert> alerts;
    private final TopicNames topics;

    LocalViews(KafkaStreams streams, SchemaRegistryClient registry, TopicNames topics) {
        this.streams = streams;
        this.metrics = new AvroCodec<>(registry, ChannelMetrics.class, false, false);
        this.alerts = new AvroCodec<>(registry, ChannelAlert.class, false, false);
        this.topics = topics;
    }

    /** The latest record of every (channel, window) this instance owns. */
    List<ChannelMetrics> latest() {
        return read(() -> all(keyValue(MetricsViewTopology.LATEST_STORE), metrics, topics.metrics()));
    }

    Optional<ChannelMetrics> latest(String key) {
        return read(() -> {
            byte[] bytes = keyValue(MetricsViewTopology.LATEST_STORE).get(key);
            return Optional.ofNullable(bytes == null ? null
                    : MetricsViewTopology.decode(metrics, topics.metrics(), bytes));
        });
    }

    /** The history points of {@code key} whose day starts in [{@code fromDay}, {@code toDay}], oldest first. */
    List<ChannelMetrics> history(String key, long fromDay, long toDay) {
        return read(() -> {
            ReadOnlyWindowStore<String, byte[]> store = store(MetricsViewTopology.HISTORY_STORE,
                    QueryableStoreTypes.windowStore());
            List<ChannelMetrics> out = new ArrayList<>();
            try (WindowStoreIterator<byte[]> it = store.fetch(key, Instant.ofEpochMilli(fromDay),
                    Instant.ofEpochMilli(toDay))) {
                it.forEachRemaining(kv -> add(out, MetricsViewTopology.decode(metrics, topics.metrics(), kv.value)));
            }
            return out;
        });
    }

    /** The alerts firing now whose (channel, window) this instance owns. */
    List<ChannelAlert> openAlerts() {
        return read(() -> all(keyValue(MetricsViewTopology.OPEN_ALERTS_STORE), alerts, topics.alerts()));
    }

    private ReadOnlyKeyValueStore<String, byte[]> keyValue(String name) {
        return store(name, QueryableStoreTypes.keyValueStore());
    }

    private <S> S store(String name, QueryableStoreType<S> type) {
        return streams.store(StoreQueryParameters.fromNameAndType(name, type));
    }

    private static <T extends SpecificRecord> List<T> all(ReadOnlyKeyValueStore<String, byte[]> store,
                                                           AvroCodec<T> codec, String topic) {
        List<T> out = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                add(out, MetricsViewTopology.decode(codec, topic, kv.value));
            }
        }
        return out;
    }

    private static <T> void add(List<T> out, T value) {
        if (value != null) out.add(value);
    }

    /** Runs a read; the stores are not queryable while Kafka Streams starts, restores or moves them (503). */
    private static <T> T read(Supplier<T> query) {
        try {
            return query.get();
        } catch (InvalidStateStoreException e) {
            throw ApiException.unavailable("the query view is not queryable on this instance now (starting, restoring"
                    + " or rebalancing: " + e.getClass().getSimpleName() + "); retry shortly");
        }
    }
}
