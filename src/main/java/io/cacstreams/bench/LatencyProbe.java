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
 * each record arrives (wall clock), its key ({@code <channel>|<days>d}), where its window starts and the number of
 * events it counts: {@code leads + newCustomers + churned}. Only records whose window starts after the customer base
 * sent before the stream ({@link InputLoad.Live#baseUntil}) and ends after the stream began are used: they count the
 * live events alone, and, as the live events are dated now, each of them: the warm-up's ({@link
 * InputLoad.Live#warmedUp}, w per channel), then the stream's. So for each such key that number grows by one per
 * lead, conversion or churn of the channel the stage has taken in. The k-th such event of the stream of a channel (in
 * send order; sent at {@code t}) is taken as reflected by the first record of one of the channel's keys that arrives
 * at or after {@code t} and counts at least w + k events. The latency is that arrival minus {@code t}. (Not a proof that this
 * very event is among those counted: one sent after it may have been taken in first; at a steady rate they are
 * milliseconds apart.) Spend events are sent but not measured: a record sums their amounts, it does not count them.
 * A churn counts for the channel of its customer's conversion.
 *
 * <p>Why not a baseline per key from the last record before the stream: that record counts the customer base in a
 * window that ends months back, which the live records' windows no longer cover, and whether the probe reads it
 * before the first send is a matter of timing (when it did, the last events of every channel went unreflected).
 */
final class LatencyProbe implements AutoCloseable {
    /** One metrics record as it arrived: its key, its window (epoch ms) and the events it counts. */
    record Arrival(long arrivedAt, String key, long windowStart, long windowEnd, long counted) {
        String channel() {
            return key.substring(0, key.lastIndexOf('|'));
        }
    }

    /** Percentiles over the measured events, in milliseconds; {@code unreflected} events had no such record. */
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
                    ChannelMetrics m = codec.decode(r.topic(), r.value());
                    synchronized (arrivals) {
                        arrivals.add(new Arrival(now, r.key(), m.getWindowStart().toEpochMilli(),
                                m.getWindowEnd().toEpochMilli(), m.getLeads() + m.getNewCustomers() + m.getChurned()));
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

    /**
     * The latency of every event of {@code live} (send order) against {@code arrivals} (arrival order): for each key,
     * a later event needs a later arrival with a higher count, so each key's match only moves forward.
     */
    static Latencies measure(InputLoad.Live live, List<Arrival> arrivals) {
        long began = live.size() == 0 ? Long.MAX_VALUE : live.sentAt()[0];
        Map<String, Map<String, List<Arrival>>> byChannel = new HashMap<>();
        for (Arrival a : arrivals) {
            if (a.windowStart() > live.baseUntil() && a.windowEnd() > began) {
                byChannel.computeIfAbsent(a.channel(), c -> new HashMap<>())
                        .computeIfAbsent(a.key(), k -> new ArrayList<>()).add(a);
            }
        }
        Map<String, Integer> cursor = new HashMap<>();
        Map<String, Integer> kth = new HashMap<>();
        long[] latencies = new long[live.size()];
        int n = 0;
        int unreflected = 0;
        for (int i = 0; i < live.size(); i++) {
            long t = live.sentAt()[i];
            String channel = live.channel()[i];
            int k = kth.merge(channel, 1, Integer::sum) + live.warmedUp().getOrDefault(channel, 0);
            long best = Long.MAX_VALUE;
            for (Map.Entry<String, List<Arrival>> e : byChannel.getOrDefault(channel, Map.of()).entrySet()) {
                List<Arrival> list = e.getValue();
                int j = cursor.getOrDefault(e.getKey(), 0);
                while (j < list.size() && (list.get(j).arrivedAt() < t || list.get(j).counted() < k)) j++;
                cursor.put(e.getKey(), j);
                if (j < list.size()) best = Math.min(best, list.get(j).arrivedAt() - t);
            }
            if (best == Long.MAX_VALUE) unreflected++;
            else latencies[n++] = best;
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
