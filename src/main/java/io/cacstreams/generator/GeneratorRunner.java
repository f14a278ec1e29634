package io.cacstreams.generator;

import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Produces a {@link SyntheticMarket} into Kafka, paced: one simulated hour takes {@code 3600 / speed} seconds of
 * real time, and no more than {@code eventsPerSecond} records are sent per second (when the two disagree, simulated
 * time slows down); simulated time never passes the real clock. Records carry the time they are sent (a simulated future would be refused by the broker);
 * event time is the value's occurredAt.
 */
public final class GeneratorRunner implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(GeneratorRunner.class);
    private final Producer<String, byte[]> producer;
    private final SyntheticMarket market;
    private final EventEncoder encoder;
    private final double speed;
    private final int eventsPerSecond;
    private final long maxHours;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong sent = new AtomicLong();
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private final Map<Fault, Long> faults = new EnumMap<>(Fault.class);

    /** @param maxHours simulated hours to generate (Long.MAX_VALUE: until stopped) */
    public GeneratorRunner(Producer<String, byte[]> producer, SyntheticMarket market, EventEncoder encoder,
                           double speed, int eventsPerSecond, long maxHours) {
        if (speed <= 0) throw new IllegalArgumentException("--speed must be > 0");
        if (eventsPerSecond <= 0) throw new IllegalArgumentException("--events-per-second must be > 0");
        this.producer = producer;
        this.market = market;
        this.encoder = encoder;
        this.speed = speed;
        this.eventsPerSecond = eventsPerSecond;
        this.maxHours = maxHours;
    }

    @Override
    public void run() {
        long began = System.nanoTime();
        try {
            send(market.history(), began);
            for (long h = 0; h < maxHours && running.get(); h++) {
                // never run ahead of the real clock: events from the future are refused (cac.max.future.skew)
                while (running.get() && market.now().isAfter(java.time.Instant.now())) Thread.sleep(200);
                send(market.nextHour(), began);
                long dueNanos = (long) ((h + 1) * 3600e9 / speed);
                sleepUntil(began + dueNanos);
            }
            producer.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            failure.set(e);
            LOG.error("generator stopped: {}", e.toString());
        }
    }

    private void send(List<GeneratedEvent> events, long began) throws InterruptedException {
        for (GeneratedEvent e : events) {
            if (!running.get()) return;
            ProducerRecord<String, byte[]> r = new ProducerRecord<>(e.topic(), null, null, e.key(),
                    encoder.encode(e));
            producer.send(r, (meta, ex) -> {
                if (ex != null && failure.compareAndSet(null, ex)) LOG.error("send failed: {}", ex.toString());
            });
            synchronized (faults) {
                faults.merge(e.fault(), 1L, Long::sum);
            }
            long n = sent.incrementAndGet();
            sleepUntil(began + (long) (n * 1e9 / eventsPerSecond));
        }
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long wait = nanoTime - System.nanoTime();
        if (wait > 0) Thread.sleep(Duration.ofNanos(wait).toMillis(), (int) (wait % 1_000_000));
    }

    /** Where simulated time starts. */
    public java.time.Instant start() {
        return market.start();
    }

    public void stop() {
        running.set(false);
    }

    public long sent() {
        return sent.get();
    }

    /** How many records of each fault kind were sent (NONE = good events). */
    public Map<Fault, Long> faults() {
        synchronized (faults) {
            return Map.copyOf(faults);
        }
    }

    public Exception failure() {
        return failure.get();
    }
}
