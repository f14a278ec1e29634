package io.cacstreams.bench;

import io.cacstreams.config.TopicNames;
import io.cacstreams.events.Churn;
import io.cacstreams.events.Conversion;
import io.cacstreams.events.Lead;
import io.cacstreams.events.MarketingSpend;
import io.cacstreams.generator.ChannelProfile;
import io.cacstreams.generator.EventEncoder;
import io.cacstreams.generator.GeneratedEvent;
import io.cacstreams.generator.SyntheticMarket;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The bench's input: the demo's synthetic market (six channels, no bad records, no duplicates), produced with the
 * generator's encoder into a topic set of the bench's own.
 *
 * <p>The backlog starts on a fixed Monday, so the same {@code --events} and seed give the same events on every
 * run (moved back by whole weeks, which keeps the daily and weekly seasonality, when the events would otherwise
 * reach the present). The live stream of the latency phase carries the time it is sent as {@code occurredAt}.
 */
final class InputLoad {
    /** A Monday, 00:00 UTC. */
    static final Instant ANCHOR = Instant.parse("2020-01-06T00:00:00Z");
    /** Fewer events per simulated day than the default market makes (about 700), so the span estimate is safe. */
    private static final int MIN_EVENTS_PER_DAY = 400;

    private InputLoad() {
    }

    /** What was produced: input events (fx rates apart), and the end offset each input partition reached. */
    record Produced(long events, long fxRates, Map<TopicPartition, Long> ends, double seconds) {
    }

    /** Where a backlog of {@code events} starts so that it ends in the past. */
    static Instant start(long events, Instant now) {
        long days = events / MIN_EVENTS_PER_DAY + 1;
        Instant latest = now.minus(Duration.ofDays(days + 1)).truncatedTo(ChronoUnit.DAYS);
        if (!ANCHOR.isAfter(latest)) return ANCHOR;
        long weeks = (Duration.between(latest, ANCHOR).toDays() + 6) / 7;
        return ANCHOR.minus(Duration.ofDays(7 * weeks));
    }

    /** The market's events in order (history first), fx rates included, without end. */
    static Iterator<GeneratedEvent> market(long seed, Instant start, TopicNames topics) {
        SyntheticMarket m = new SyntheticMarket(seed, start, topics, ChannelProfile.defaults(),
                new SyntheticMarket.Options(0, 0));
        return new Iterator<>() {
            private List<GeneratedEvent> batch = m.history();
            private int next;

            @Override
            public boolean hasNext() {
                return true;
            }

            @Override
            public GeneratedEvent next() {
                while (next == batch.size()) {
                    batch = m.nextHour();
                    next = 0;
                }
                return batch.get(next++);
            }
        };
    }

    /** Produces the first {@code events} input events of the market (and the fx rates among them), and flushes. */
    static Produced backlog(KafkaProducer<String, byte[]> producer, EventEncoder encoder, TopicNames topics,
                            long events, long seed) {
        Iterator<GeneratedEvent> market = market(seed, start(events, Instant.now()), topics);
        Sends sends = new Sends();
        long began = System.nanoTime();
        long n = 0;
        long fx = 0;
        while (n < events) {
            GeneratedEvent e = market.next();
            sends.send(producer, e.topic(), key(e), encoder.encode(e));
            if (e.topic().equals(topics.fxRates())) fx++;
            else n++;
        }
        producer.flush();
        sends.check();
        return new Produced(n, fx, Map.copyOf(sends.ends), (System.nanoTime() - began) / 1e9);
    }

    /**
     * A live stream: how many input events were sent, and the send times (= occurredAt, epoch ms) and channels of
     * those a metrics record counts (leads, conversions, churns), in production order; {@code baseUntil}, the
     * latest occurredAt of the customer base sent before it (epoch ms): a window that starts after it counts live
     * events only; {@code warmedUp}, per channel, the leads, conversions and churns of the warm-up (dated now too,
     * so counted in the same windows before the stream's first).
     */
    record Live(int sent, long[] sentAt, String[] channel, Map<TopicPartition, Long> ends, long baseUntil,
                Map<String, Integer> warmedUp) {
        int size() {
            return sentAt.length;
        }
    }

    /**
     * The market of the latency phase, starting now: {@link #preload} sends its customer base (the conversions 150 to
     * 100 days back, and the fx rates of then) unpaced; {@link #warmUp} sends a first batch of its input events dated
     * now, unpaced, into every input partition, so that the topology settles the months between the two (an hourly settled record per channel
     * and window, some 75,000) before the clock starts; {@link #stream} then sends its hours' input events at a
     * fixed rate, each with the wall-clock time it is handed to the producer as its {@code occurredAt} (not its fx
     * rates).
     */
    static final class LiveMarket {
        private final SyntheticMarket market;
        private final TopicNames topics;
        private final EventEncoder encoder;
        private final KafkaProducer<String, byte[]> producer;
        private final Map<String, String> customerChannel = new HashMap<>();
        private List<GeneratedEvent> hour = List.of();
        private int next;
        private long baseUntil = Long.MIN_VALUE;
        private final Map<String, Integer> warmedUp = new HashMap<>();

        LiveMarket(KafkaProducer<String, byte[]> producer, EventEncoder encoder, TopicNames topics, long seed) {
            // starting now, the customer base (acquired 150 to 100 days before the start) and the live events, dated
            // now, are months apart, not years: a gap of years in event time is no live stream's
            this.market = new SyntheticMarket(seed, Instant.now().truncatedTo(ChronoUnit.HOURS), topics,
                    ChannelProfile.defaults(), new SyntheticMarket.Options(0, 0));
            this.topics = topics;
            this.encoder = encoder;
            this.producer = producer;
        }

        /** Sends the customer base; the end offsets reached. */
        Map<TopicPartition, Long> preload() {
            Sends sends = new Sends();
            for (GeneratedEvent e : market.history()) {
                if (e.value() instanceof Conversion c) customerChannel.put(c.getCustomerId(), c.getChannel());
                baseUntil = Math.max(baseUntil, e.occurredAt());
                sends.send(producer, e.topic(), key(e), encoder.encode(e));
            }
            producer.flush();
            sends.check();
            return Map.copyOf(sends.ends);
        }

        /**
         * Sends at least {@code events} input events dated now, unpaced, and on until every one of the {@code
         * partitions} of every input topic has some: the watermark waits for a partition that has delivered nothing
         * (until the idle timeout), so the months are settled only once each has. Returns the end offsets reached.
         */
        Map<TopicPartition, Long> warmUp(int events, int partitions) {
            Sends sends = new Sends();
            int inputPartitions = topics.inputs().size() * partitions;
            long limit = Math.max(100L * events, 1_000_000L);
            for (long i = 0; i < events || sends.ends.size() < inputPartitions; ) {
                if (i >= limit) {
                    throw new IllegalStateException("the warm-up sent " + i + " events and reached only "
                            + sends.ends.keySet() + " of " + inputPartitions + " input partitions");
                }
                GeneratedEvent e = nextEvent();
                if (e.topic().equals(topics.fxRates())) continue;
                ((GenericRecord) e.value()).put("occurredAt", Instant.now());
                String c = countedChannel(e);
                if (c != null) warmedUp.merge(c, 1, Integer::sum);
                sends.send(producer, e.topic(), key(e), encoder.encode(e));
                i++;
                if (i >= events && i % 100 == 0) producer.flush(); // the acks say which partitions have some
            }
            producer.flush();
            sends.check();
            return Map.copyOf(sends.ends);
        }

        /** Sends {@code rate} input events per second for {@code duration}, then flushes. */
        Live stream(int rate, Duration duration) throws InterruptedException {
            int total = (int) Math.min(Integer.MAX_VALUE, duration.toMillis() * rate / 1000);
            long[] sentAt = new long[total];
            String[] channel = new String[total];
            int counted = 0;
            Sends sends = new Sends();
            long began = System.nanoTime();
            for (int i = 0; i < total; ) {
                GeneratedEvent e = nextEvent();
                // the market's later rates would be dated days ahead (its simulated time runs far faster than the
                // clock); the customer base's rates price the live events
                if (e.topic().equals(topics.fxRates())) continue;
                long ahead = began + (long) (i * 1e9 / rate) - System.nanoTime();
                if (ahead > 1_000_000) Thread.sleep(ahead / 1_000_000);
                long now = System.currentTimeMillis();
                ((GenericRecord) e.value()).put("occurredAt", Instant.ofEpochMilli(now));
                String c = countedChannel(e);
                sends.send(producer, e.topic(), key(e), encoder.encode(e));
                if (c != null) {
                    sentAt[counted] = now;
                    channel[counted++] = c;
                }
                i++;
            }
            producer.flush();
            sends.check();
            return new Live(total, Arrays.copyOf(sentAt, counted), Arrays.copyOf(channel, counted),
                    Map.copyOf(sends.ends), baseUntil, Map.copyOf(warmedUp));
        }

        private GeneratedEvent nextEvent() {
            while (next == hour.size()) {
                hour = market.nextHour();
                next = 0;
            }
            return hour.get(next++);
        }

        /** The channel whose count {@code e} adds one to (a churn: its customer's); null for spend. */
        private String countedChannel(GeneratedEvent e) {
            Object v = e.value();
            if (v instanceof MarketingSpend) return null;
            if (v instanceof Lead l) return l.getChannel();
            if (v instanceof Conversion c) {
                customerChannel.put(c.getCustomerId(), c.getChannel());
                return c.getChannel();
            }
            if (v instanceof Churn ch) {
                String c = customerChannel.get(ch.getCustomerId());
                if (c == null) throw new NoSuchElementException("churn of a customer never converted: " + ch);
                return c;
            }
            throw new IllegalArgumentException("not an input event: " + v.getClass());
        }
    }

    /**
     * The key a record is sent with: the market's, except spend, keyed by its event id rather than its channel. The
     * five channels with spend, hashed by name, fill three of six partitions; the topology's watermark then waits
     * {@code cac.idle.timeout} (30 s) for the empty ones before it settles anything, and a run of the bench would
     * measure that wait, or end before it, rather than the work. A producer that keys spend by channel meets the same
     * wait once at the start of a backlog (README, Performance).
     */
    static String key(GeneratedEvent e) {
        return e.value() instanceof MarketingSpend s ? s.getEventId() : e.key();
    }

    /** Sends with a callback that keeps the end offsets reached and the first failure. */
    private static final class Sends {
        final Map<TopicPartition, Long> ends = new ConcurrentHashMap<>();
        final AtomicReference<Exception> failure = new AtomicReference<>();

        void send(KafkaProducer<String, byte[]> producer, String topic, String key, byte[] value) {
            producer.send(new ProducerRecord<>(topic, key, value), (meta, ex) -> {
                if (ex != null) failure.compareAndSet(null, ex);
                else ends.merge(new TopicPartition(meta.topic(), meta.partition()), meta.offset() + 1, Math::max);
            });
        }

        void check() {
            Exception e = failure.get();
            if (e != null) throw new IllegalStateException("a send failed: " + e, e);
        }
    }
}
