package io.cacstreams.verify;

import io.cacstreams.config.AppConfig;
import io.cacstreams.events.ChannelAlert;
import io.cacstreams.events.ChannelMetrics;
import io.cacstreams.events.DeadLetter;
import io.cacstreams.events.DeadLetterReason;
import io.cacstreams.serde.RegistryAvroSerde;
import io.cacstreams.serde.SchemaRegistryClient;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;

/**
 * Everything cac-streams has committed to its output topics, read with {@code isolation.level=read_committed} from
 * the beginning up to the end of every partition: the metrics records (and the latest per key), the alert
 * transitions in order per partition, and the dead letters.
 */
public final class OutputSnapshot {
    public final List<ChannelMetrics> metrics = new ArrayList<>();
    public final Map<String, ChannelMetrics> latestMetrics = new HashMap<>();
    public final List<ChannelAlert> alerts = new ArrayList<>();
    public final List<DeadLetter> deadLetters = new ArrayList<>();

    public Map<DeadLetterReason, Long> deadLettersByReason() {
        Map<DeadLetterReason, Long> out = new EnumMap<>(DeadLetterReason.class);
        deadLetters.forEach(d -> out.merge(d.getReason(), 1L, Long::sum));
        return out;
    }

    public static OutputSnapshot read(AppConfig config, Map<String, Object> clientProperties,
                                      SchemaRegistryClient registry, Duration timeout) {
        OutputSnapshot s = new OutputSnapshot();
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        var metricsSerde = new RegistryAvroSerde<>(registry, ChannelMetrics.class, false, false);
        var alertSerde = new RegistryAvroSerde<>(registry, ChannelAlert.class, false, false);
        var deadSerde = new RegistryAvroSerde<>(registry, DeadLetter.class, false, false);
        var topics = config.topics();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> parts = new ArrayList<>();
            for (String t : List.of(topics.metrics(), topics.alerts(), topics.deadLetter())) {
                c.partitionsFor(t, timeout).forEach(pi -> parts.add(new TopicPartition(t, pi.partition())));
            }
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts, timeout);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (parts.stream().anyMatch(tp -> c.position(tp, timeout) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("outputs not read to their end within " + timeout);
                }
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    if (r.value() == null) continue;
                    if (r.topic().equals(topics.metrics())) {
                        ChannelMetrics m = metricsSerde.deserializer().deserialize(r.topic(), r.value());
                        s.metrics.add(m);
                        s.latestMetrics.put(m.getChannel() + "|" + m.getWindowDays() + "d", m);
                    } else if (r.topic().equals(topics.alerts())) {
                        s.alerts.add(alertSerde.deserializer().deserialize(r.topic(), r.value()));
                    } else {
                        s.deadLetters.add(deadSerde.deserializer().deserialize(r.topic(), r.value()));
                    }
                }
            }
        }
        return s;
    }

    /**
     * Partitions of {@code topics} whose last stable offset is behind their high watermark: an open (hanging)
     * transaction. Empty when every transaction is committed or aborted.
     */
    public static List<TopicPartition> openTransactions(Admin admin, List<String> topics)
            throws ExecutionException, InterruptedException {
        Map<TopicPartition, OffsetSpec> latest = admin.describeTopics(topics).allTopicNames().get().values().stream()
                .flatMap(d -> d.partitions().stream().map(pi -> new TopicPartition(d.name(), pi.partition())))
                .collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()));
        var committed = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get();
        var uncommitted = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED)).all().get();
        return latest.keySet().stream()
                .filter(tp -> committed.get(tp).offset() != uncommitted.get(tp).offset())
                .sorted(java.util.Comparator.comparing(TopicPartition::toString))
                .toList();
    }
}
