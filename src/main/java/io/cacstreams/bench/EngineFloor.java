package io.cacstreams.bench;

import io.cacstreams.config.TopicNames;
import io.cacstreams.events.Churn;
import io.cacstreams.events.Conversion;
import io.cacstreams.events.Lead;
import io.cacstreams.events.MarketingSpend;
import io.cacstreams.serde.AvroCodec;
import io.cacstreams.serde.DecodeException;
import io.cacstreams.serde.SchemaRegistryClient;
import io.cacstreams.verify.OutputKeys;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The engine's floor on this machine: the least an exactly-once Kafka Streams application does per event when it must
 * bring the copies of an event together to count it once, and nothing else. One stream thread (as {@code run}), the
 * same exactly-once guarantee and commit interval; it reads the four input topics, decodes every record with the
 * project's codec (as the plain consumer does), re-keys it by its event id, passes it through one repartition topic
 * (the inputs are keyed by whatever their producers chose) and writes one small record per event. No state store, no
 * window, no figure: cac-streams does all of that on top. Timed from RUNNING until a {@code read_committed} consumer
 * has seen the last of those records. What a run achieves against this floor is the cost of the product's own work;
 * what the floor achieves against the plain consumer is the engine's.
 */
final class EngineFloor {
    /** The floor's figures: {@code seconds} from RUNNING until every event's record was read back. */
    record Result(long events, double seconds, double eventsPerSecond) {
    }

    private EngineFloor() {
    }

    /**
     * @param output a topic of its own, created beforehand
     */
    static Result measure(Map<String, Object> clients, SchemaRegistryClient registry, TopicNames inputs,
                          long events, String applicationId, String output, int partitions, Path stateDir,
                          Duration timeout) throws InterruptedException {
        StreamsBuilder builder = new StreamsBuilder();
        KStream<String, byte[]> byId = byEventId(builder, registry, inputs.spend(), MarketingSpend.class,
                MarketingSpend::getEventId)
                .merge(byEventId(builder, registry, inputs.leads(), Lead.class, Lead::getEventId))
                .merge(byEventId(builder, registry, inputs.conversions(), Conversion.class, Conversion::getEventId))
                .merge(byEventId(builder, registry, inputs.churn(), Churn.class, Churn::getEventId));
        byId.repartition(Repartitioned.<String, byte[]>as("by-event-id").withKeySerde(Serdes.String())
                        .withValueSerde(Serdes.ByteArray()).withNumberOfPartitions(partitions))
                .mapValues(v -> new byte[] {1})
                .to(output, Produced.with(Serdes.String(), Serdes.ByteArray()));

        Properties p = new Properties();
        p.putAll(clients);
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
        CountDownLatch running = new CountDownLatch(1);
        try (KafkaStreams streams = new KafkaStreams(builder.build(), p);
             KafkaConsumer<byte[], byte[]> reader = new KafkaConsumer<>(OutputKeys.committedReader(clients),
                     new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            streams.setStateListener((now, before) -> {
                if (now == KafkaStreams.State.RUNNING) running.countDown();
            });
            long deadline = System.nanoTime() + timeout.toNanos();
            streams.start();
            if (!running.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("the engine floor's Kafka Streams did not start within " + timeout);
            }
            long began = System.nanoTime();
            List<TopicPartition> parts = reader.partitionsFor(output, timeout).stream()
                    .map(pi -> new TopicPartition(output, pi.partition())).toList();
            reader.assign(parts);
            reader.seekToBeginning(parts);
            long seen = 0;
            while (seen < events) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the engine floor wrote " + seen + " of " + events + " records"
                            + " within " + timeout + " (state " + streams.state() + ")");
                }
                seen += reader.poll(Duration.ofMillis(50)).count();
            }
            double seconds = (System.nanoTime() - began) / 1e9;
            return new Result(events, seconds, events / seconds);
        }
    }

    /** One input topic, decoded and keyed by event id; a record that does not decode (none here) fails it. */
    private static <T extends SpecificRecord> KStream<String, byte[]> byEventId(
            StreamsBuilder builder, SchemaRegistryClient registry, String topic, Class<T> type,
            Function<T, CharSequence> eventId) {
        AvroCodec<T> codec = new AvroCodec<>(registry, type, false, false);
        return builder.stream(topic, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                .selectKey((k, v) -> {
                    try {
                        return eventId.apply(codec.decode(topic, v)).toString();
                    } catch (DecodeException e) {
                        throw new IllegalStateException("the bench's own input did not decode: " + e.getMessage(),
                                e);
                    }
                });
    }
}
