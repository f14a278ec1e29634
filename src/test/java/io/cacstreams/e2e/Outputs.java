package io.cacstreams.e2e;

import io.cacstreams.events.ChannelAlert;
import io.cacstreams.events.ChannelMetrics;
import io.cacstreams.events.DeadLetter;
import io.cacstreams.events.DeadLetterReason;
import io.cacstreams.topology.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything cac-streams has committed to its three output topics, read with isolation.level=read_committed (so an
 * aborted transaction's records never count) and decoded with the project's serdes through the registry.
 */
final class Outputs implements AutoCloseable {
    /** One decoded output record with its coordinates. */
    record Out<K, V>(K key, V value, int partition, long offset) {
    }

    private final Topics topics;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Deserializer<ChannelMetrics> metricsValues;
    private final Deserializer<ChannelAlert> alertValues;
    private final Deserializer<DeadLetter> deadValues;
    final List<Out<String, ChannelMetrics>> metrics = new ArrayList<>();
    final List<Out<String, ChannelAlert>> alerts = new ArrayList<>();
    final List<Out<byte[], DeadLetter>> dead = new ArrayList<>();
    private final Map<String, ChannelMetrics> latest = new LinkedHashMap<>();

    Outputs(String bootstrap, Topics topics) {
        this.topics = topics;
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        this.consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (String t : List.of(topics.metrics().name(), topics.alerts().name(), topics.deadLetter().name())) {
            consumer.partitionsFor(t, Duration.ofSeconds(30))
                    .forEach(i -> partitions.add(new TopicPartition(t, i.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        this.metricsValues = topics.metrics().valueSerde().deserializer();
        this.alertValues = topics.alerts().valueSerde().deserializer();
        this.deadValues = topics.deadLetter().valueSerde().deserializer();
    }

    /** Reads what has been committed since the last poll (waits up to {@code timeout} for the first records). */
    void poll(Duration timeout) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(timeout)) {
            String topic = r.topic();
            if (topic.equals(topics.metrics().name())) {
                ChannelMetrics m = metricsValues.deserialize(topic, r.value());
                String key = text(r.key());
                metrics.add(new Out<>(key, m, r.partition(), r.offset()));
                latest.put(key, m);
            } else if (topic.equals(topics.alerts().name())) {
                alerts.add(new Out<>(text(r.key()), alertValues.deserialize(topic, r.value()), r.partition(),
                        r.offset()));
            } else {
                dead.add(new Out<>(r.key(), deadValues.deserialize(topic, r.value()), r.partition(), r.offset()));
            }
        }
    }

    private static String text(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    /** The latest metrics record of (channel, window), or null. */
    ChannelMetrics latest(String channel, int days) {
        return latest.get(channel + "|" + days + "d");
    }

    /** The latest metrics record of every key, by key ({@code <channel>|<days>d}). */
    Map<String, ChannelMetrics> latest() {
        return latest;
    }

    List<ChannelAlert> alertsFor(String channel, int days) {
        return alerts.stream().map(Out::value)
                .filter(a -> a.getChannel().equals(channel) && a.getWindowDays() == days).toList();
    }

    List<ChannelAlert> alertValues() {
        return alerts.stream().map(Out::value).toList();
    }

    List<DeadLetter> deadLetters() {
        return dead.stream().map(Out::value).toList();
    }

    Map<DeadLetterReason, Long> deadLettersByReason() {
        Map<DeadLetterReason, Long> out = new EnumMap<>(DeadLetterReason.class);
        for (Out<byte[], DeadLetter> d : dead) out.merge(d.value().getReason(), 1L, Long::sum);
        return out;
    }

    /** For failure messages. */
    String summary() {
        Map<String, String> keys = new TreeMap<>();
        latest.forEach((k, m) -> keys.put(k, "asOf=" + m.getAsOf() + " spend=" + m.getSpend() + " leads="
                + m.getLeads() + " new=" + m.getNewCustomers() + " active=" + m.getActiveCustomers() + " ltv:cac="
                + m.getLtvToCac() + " [" + m.getLtvToCacLower() + ", " + m.getLtvToCacUpper() + "] status="
                + m.getStatus() + (Boolean.TRUE.equals(m.getSettled()) ? " settled" : " snapshot")));
        StringBuilder s = new StringBuilder("outputs so far: ").append(metrics.size()).append(" metrics, ")
                .append(alerts.size()).append(" alerts, ").append(dead.size()).append(" dead letters ")
                .append(deadLettersByReason());
        keys.forEach((k, v) -> s.append(System.lineSeparator()).append("  ").append(k).append(": ").append(v));
        for (Out<String, ChannelAlert> a : alerts) {
            s.append(System.lineSeparator()).append("  alert ").append(a.key()).append(' ')
                    .append(a.value().getStatus()).append('/').append(a.value().getSeverity()).append(" ratio=")
                    .append(a.value().getRatio());
        }
        return s.toString();
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
