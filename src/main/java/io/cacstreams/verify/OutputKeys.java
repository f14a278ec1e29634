package io.cacstreams.verify;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * The keys an output topic must carry at least one committed record of (e.g. every expected {@code <channel>|<days>d}
 * of the metrics topic), read by a consumer of its own from the beginning of every partition, with
 * {@code isolation.level=read_committed}, and no consumer group. For {@link Quiescence}: not quiet while one is
 * missing. Not thread-safe (one caller polls it).
 */
public final class OutputKeys implements AutoCloseable {
    private static final int SHOWN = 10;
    /** Polls per call at most, so that a long topic is caught up over several calls, not in one. */
    private static final int MAX_POLLS = 20;

    private final String topic;
    private final Set<String> missing;
    private final KafkaConsumer<String, byte[]> consumer;
    private boolean assigned;

    /** @param clientProperties bootstrap and security settings of a plain client */
    public OutputKeys(Map<String, Object> clientProperties, String topic, Set<String> expected) {
        this.topic = topic;
        this.missing = new TreeSet<>(expected);
        this.consumer = new KafkaConsumer<>(committedReader(clientProperties), new StringDeserializer(),
                new ByteArrayDeserializer());
    }

    /** Settings of a consumer that reads committed records only, with no group (it assigns and seeks itself). */
    public static Properties committedReader(Map<String, Object> clientProperties) {
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        return p;
    }

    /** Reads what has been committed since the last call; the expected keys without a record so far. */
    public Set<String> missing() {
        if (missing.isEmpty()) return Set.of();
        if (!assigned) {
            List<TopicPartition> parts = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(pi -> new TopicPartition(topic, pi.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            assigned = true;
        }
        for (int i = 0; i < MAX_POLLS; i++) {
            var records = consumer.poll(Duration.ofMillis(200));
            for (ConsumerRecord<String, byte[]> r : records) {
                if (r.key() != null && r.value() != null) missing.remove(r.key());
            }
            if (records.isEmpty() || missing.isEmpty()) break;
        }
        return Set.copyOf(missing);
    }

    /** Null when every expected key has a record, else which are missing (the first few). */
    public String pending() {
        Set<String> m = missing();
        if (m.isEmpty()) return null;
        return "no record yet on " + topic + " for " + m.size() + " expected key(s): "
                + new TreeSet<>(m).stream().limit(SHOWN).toList() + (m.size() > SHOWN ? " ..." : "");
    }

    @Override
    public void close() {
        consumer.close();
    }
}
