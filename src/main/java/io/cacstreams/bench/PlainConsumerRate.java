package io.cacstreams.bench;

import io.cacstreams.config.TopicNames;
import io.cacstreams.events.Churn;
import io.cacstreams.events.Conversion;
import io.cacstreams.events.Lead;
import io.cacstreams.events.MarketingSpend;
import io.cacstreams.serde.AvroCodec;
import io.cacstreams.serde.DecodeException;
import io.cacstreams.serde.SchemaRegistryClient;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Supplier;

/**
 * The limit on this machine: a plain {@link KafkaConsumer} (default settings, no group) that reads the four input
 * topics from the beginning to their end and decodes every record with the project's {@link AvroCodec} (each writer
 * schema fetched by id once, from a registry client of its own). Timed from the first poll to the last record.
 */
final class PlainConsumerRate {
    private PlainConsumerRate() {
    }

    /** One pass. */
    record Pass(long records, double seconds) {
        double perSecond() {
            return records / seconds;
        }
    }

    /** @param registry a fresh client per pass, so that the schemas are fetched in the pass */
    static Pass measure(Map<String, Object> clientProperties, Supplier<SchemaRegistryClient> registry,
                        TopicNames topics, Duration timeout) throws DecodeException {
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        try (SchemaRegistryClient r = registry.get();
             KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                     new ByteArrayDeserializer())) {
            Map<String, AvroCodec<?>> codecs = Map.of(
                    topics.spend(), new AvroCodec<>(r, MarketingSpend.class, false, false),
                    topics.leads(), new AvroCodec<>(r, Lead.class, false, false),
                    topics.conversions(), new AvroCodec<>(r, Conversion.class, false, false),
                    topics.churn(), new AvroCodec<>(r, Churn.class, false, false));
            List<TopicPartition> parts = new ArrayList<>();
            for (String t : topics.inputs()) {
                c.partitionsFor(t, timeout).forEach(pi -> parts.add(new TopicPartition(t, pi.partition())));
            }
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts, timeout);
            long remaining = end.values().stream().mapToLong(Long::longValue).sum();
            long deadline = System.nanoTime() + timeout.toNanos();
            long began = System.nanoTime();
            long records = 0;
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("inputs not read within " + timeout + ": " + records + " of "
                            + remaining);
                }
                for (ConsumerRecord<byte[], byte[]> rec : c.poll(Duration.ofMillis(500))) {
                    if (codecs.get(rec.topic()).decode(rec.topic(), rec.value()) != null) records++;
                }
            }
            return new Pass(records, (System.nanoTime() - began) / 1e9);
        }
    }
}
