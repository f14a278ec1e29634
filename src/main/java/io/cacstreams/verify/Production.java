package io.cacstreams.verify;

import io.cacstreams.generator.EventEncoder;
import io.cacstreams.generator.Fault;
import io.cacstreams.generator.GeneratedEvent;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.PrintStream;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The producing side of a run: sends the generated events (through the {@link Hooks}' encoding), tells the
 * {@link ExpectedFigures} about each, and learns from the send callbacks where every bad record landed and how far
 * each input partition reached.
 */
final class Production implements AutoCloseable {
    private final ExpectedFigures expected;
    private final EventEncoder encoder;
    private final Hooks hooks;
    private final String fxTopic;
    private final KafkaProducer<String, byte[]> producer;
    private final Map<Fault, Long> faults = new EnumMap<>(Fault.class);
    /** Where every record that must be dead-lettered landed, from the send callbacks. */
    private final Map<String, GeneratedEvent> badAt = new ConcurrentHashMap<>();
    private final AtomicReference<Exception> sendFailure = new AtomicReference<>();
    /** The end offset each input partition reached with this run's records, from the send callbacks. */
    private final Map<TopicPartition, Long> ends = new ConcurrentHashMap<>();

    Production(Map<String, Object> clientProperties, Hooks hooks, ExpectedFigures expected, EventEncoder encoder,
               String fxTopic) {
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        // one request in flight: a retried batch can never be overtaken (seen on 4.3 brokers: after a
        // NOT_LEADER_OR_FOLLOWER right after topic creation, retries failed with OutOfOrderSequenceException)
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        p.putAll(hooks.producerOverrides());
        this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        this.expected = expected;
        this.encoder = encoder;
        this.hooks = hooks;
        this.fxTopic = fxTopic;
    }

    /** The coordinates of a record, as dead letters name them. */
    static String at(String topic, int partition, long offset) {
        return topic + "-" + partition + "@" + offset;
    }

    /**
     * Every fx rate of {@code batches}, first, so that the rates are in the global store before any event is priced
     * (rates are read by a global store that is loaded asynchronously while running).
     */
    void sendFxRates(List<List<GeneratedEvent>> batches) {
        for (List<GeneratedEvent> batch : batches) {
            for (GeneratedEvent e : batch) {
                if (e.topic().equals(fxTopic)) send(e, encoder.encode(e));
            }
        }
    }

    /** Every event of {@code batches} but the fx rates, as the hooks encode them in {@code phase}. */
    void produce(List<List<GeneratedEvent>> batches, int phase) {
        for (List<GeneratedEvent> batch : batches) {
            for (GeneratedEvent e : batch) {
                if (!e.topic().equals(fxTopic)) send(e, hooks.encode(e, encoder.encode(e), phase));
            }
        }
    }

    /** Produces every event but the fx rates evenly over {@code duration} (it never takes much longer than that). */
    void soak(List<List<GeneratedEvent>> batches, long total, Duration duration, PrintStream log)
            throws InterruptedException {
        long began = System.nanoTime();
        long n = 0;
        for (List<GeneratedEvent> batch : batches) {
            for (GeneratedEvent e : batch) {
                if (e.topic().equals(fxTopic)) continue;
                send(e, hooks.encode(e, encoder.encode(e), 0));
                n++;
                long due = began + (long) ((double) n / total * duration.toNanos());
                long wait = due - System.nanoTime();
                if (wait > 1_000_000) Thread.sleep(wait / 1_000_000);
            }
        }
        producer.flush();
        log.printf(Locale.ROOT, "  soak: %d events produced in %d s%n", n, (System.nanoTime() - began) / 1_000_000_000L);
    }

    private void send(GeneratedEvent e, byte[] bytes) {
        producer.send(new ProducerRecord<>(e.topic(), null, null, e.key(), bytes), (meta, ex) -> {
            if (ex != null) {
                sendFailure.compareAndSet(null, ex);
                return;
            }
            ends.merge(new TopicPartition(meta.topic(), meta.partition()), meta.offset() + 1, Math::max);
            if (e.fault().expectedReason() != null) badAt.put(at(meta.topic(), meta.partition(), meta.offset()), e);
        });
        expected.accept(e);
        faults.merge(e.fault(), 1L, Long::sum);
    }

    void flush() {
        producer.flush();
    }

    Map<Fault, Long> faults() {
        return faults;
    }

    Map<String, GeneratedEvent> badAt() {
        return badAt;
    }

    Map<TopicPartition, Long> ends() {
        return ends;
    }

    /** The first send that failed (the inputs are then not what was generated); null if none. */
    Exception sendFailure() {
        return sendFailure.get();
    }

    @Override
    public void close() {
        producer.close();
    }
}
