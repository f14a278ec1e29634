package io.cacstreams.bench;

import io.cacstreams.events.ChannelMetrics;
import io.cacstreams.serde.AvroCodec;
import io.cacstreams.serde.DecodeException;
import io.cacstreams.serde.SchemaRegistryClient;
import io.cacstreams.verify.OutputKeys;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Event-to-metric latency. A consumer of the metrics topic ({@code read_committed}, from the beginning) notes when
 * each record arrives (wall clock), its channel (the key up to {@code |}) and its {@code asOf}. An event sent at
 * wall-clock time {@code t} (its {@code occurredAt} is {@code t} too) is taken as reflected by the first metrics
 * record of its channel, any window, that arrives at or after {@code t} with {@code asOf >= t}: the channel stage's
 * stream time has reached the event's time. (Not an exact proof of inclusion: a record of another input partition
 * dated as late may have moved the clock first; at a steady rate the two are milliseconds apart.) The latency is
 * that arrival minus {@code t}; churns count for the channel of their customer's conversion.
 */
final class LatencyProbe implements AutoCloseable {
    /** One metrics record as it arrived. */
    record Arrival(long arrivedAt, String channel, long asOf) {
    }

    /** Percentiles over the reflected events, in milliseconds; {@code unreflected} events had no such record. */
    record Latencies(int events, int unreflected, long p50Ms, long p99Ms, long maxMs) {
    }

    private final String topic;
    private final KafkaConsumer<String, byte[]> consumer;
    private final AvroCodec<ChannelMetrics> codec;
    private final List<Arrival> arrivals = new ArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private final Thread thread;

    LatencyProbe(Map<String, Object> clientProperties, SchemaRegistryClient registry, String metricsTopic) {
        this.topic = metricsTopic;
        this.consumer = new KafkaConsumer<>(OutputKeys.committedReader(clientProperties), new StringDeserializer(),
                new ByteArrayDeserializer());
        this.codec = new AvroCodec<>(registry, ChannelMetrics.class, false, false);
        this.thread = new Thread(this::consume, "bench-latency-probe");
        thread.setDaemon(true);
    }

    void start() {
        List<TopicPartition> parts = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(pi -> new TopicPartition(topic, pi.partition())).toList();
        consumer.assign(parts);
        consumer.seekToBeginning(parts);
        thread.start();
    }

    private void consume() {
        try {
            while (running.get()) {
                var records = consumer.poll(Duration.ofMillis(100));
                long now = System.currentTimeMillis();
                for (ConsumerRecord<String, byte[]> r : records) {
                    if (r.key() == null || r.value() == null) continue;
                    long asOf = codec.decode(r.topic(), r.value()).getAsOf().toEpochMilli();
                    synchronized (arrivals) {
                        arrivals.add(new Arrival(now, r.key().substring(0, r.key().lastIndexOf('|')), asOf));
                    }
                }
            }
        } catch (DecodeException | RuntimeException e) {
            failure.compareAndSet(null, e);
        } finally {
            consumer.close();
        }
    }

    /** The arrivals so far, in arrival order. */
    List<Arrival> arrivals() {
        if (failure.get() != null) throw new IllegalStateException("reading the metrics failed", failure.get());
        synchronized (arrivals) {
            return List.copyOf(arrivals);
        }
    }

    /** The latency of every event of {@code live} (send order) against {@code arrivals} (arrival order). */
    static Latencies measure(InputLoad.Live live, List<Arrival> arrivals) {
        Map<String, List<Arrival>> byChannel = new HashMap<>();
        for (Arrival a : arrivals) byChannel.computeIfAbsent(a.channel(), c -> new ArrayList<>()).add(a);
        // for a later send time both conditions only get stricter, so each channel's match moves forward only
        Map<String, Integer> cursor = new HashMap<>();
        long[] latencies = new long[live.size()];
        int n = 0;
        int unreflected = 0;
        for (int i = 0; i < live.size(); i++) {
            long t = live.sentAt()[i];
            List<Arrival> list = byChannel.getOrDefault(live.channel()[i], List.of());
            int j = cursor.getOrDefault(live.channel()[i], 0);
            while (j < list.size() && (list.get(j).arrivedAt() < t || list.get(j).asOf() < t)) j++;
            cursor.put(live.channel()[i], j);
            if (j == list.size()) unreflected++;
            else latencies[n++] = list.get(j).arrivedAt() - t;
        }
        long[] sorted = Arrays.copyOf(latencies, n);
        Arrays.sort(sorted);
        return new Latencies(live.size(), unreflected, percentile(sorted, 0.50), percentile(sorted, 0.99),
                n == 0 ? -1 : sorted[n - 1]);
    }

    /** Nearest-rank percentile; -1 for no values. */
    static long percentile(long[] sorted, double q) {
        if (sorted.length == 0) return -1;
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        thread.join(10_000);
    }
}
