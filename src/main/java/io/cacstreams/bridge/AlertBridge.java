package io.cacstreams.bridge;

import io.cacstreams.events.AlertStatus;
import io.cacstreams.events.ChannelAlert;
import io.cacstreams.serde.RegistryException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Forwards the {@code channel-alerts} topic to Alertmanager.
 * <p>
 * <b>Nothing lost across restarts.</b> The bridge commits a record's offset (in its consumer group) only after
 * Alertmanager accepted what the record says. On start it reads the (compacted) topic from the beginning to rebuild
 * the set of open alerts, which it must keep re-sending, and delivers again what lies after its committed offsets:
 * records it may have read but not delivered before it stopped. Reading from the beginning is cheap: compaction keeps
 * one record per (rule, channel, window).
 * <p>
 * <b>Re-sends.</b> Every open (FIRING) alert is posted again every {@code resendInterval}, valid for
 * {@code 4 * resendInterval} (as Prometheus does), so Alertmanager keeps it firing for as long as the bridge runs and
 * the alert is open, and lets it expire within {@code 4 * resendInterval} if the bridge stops for good.
 * <p>
 * Posts that fail (no answer, 5xx) are retried with a growing pause, without committing; a post refused as invalid
 * (4xx) is logged and skipped, since the same alerts would be refused again. A record that cannot be decoded is logged
 * and skipped. Run one bridge per Alertmanager cluster; a second one with the same group would only post the same
 * alerts twice, which Alertmanager de-duplicates.
 */
public final class AlertBridge implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AlertBridge.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    /**
     * @param resendInterval how often every open alert is posted again; keep it below Alertmanager's
     *                       {@code resolve_timeout} (default 5m) and well below the time you would notice a dead bridge
     * @param firstBackoff   the pause after a failed post, doubled on each failure up to 30 s
     */
    public record Options(Duration resendInterval, Duration firstBackoff) {
        public static final Duration DEFAULT_RESEND = Duration.ofSeconds(60);

        public Options {
            if (resendInterval.isNegative() || resendInterval.isZero()) {
                throw new IllegalArgumentException("the re-send interval must be > 0");
            }
        }

        public static Options defaults() {
            return new Options(DEFAULT_RESEND, Duration.ofMillis(500));
        }

        /** How long a posted firing alert stays valid without a re-send. */
        Duration validity() {
            return resendInterval.multipliedBy(4);
        }
    }

    private final Consumer<String, byte[]> consumer;
    private final Deserializer<ChannelAlert> values;
    private final String topic;
    private final AlertSink sink;
    private final Options options;
    private final Clock clock;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch done = new CountDownLatch(1);
    /** The open (FIRING) alerts by dedupKey, in the order they fired. */
    private final Map<String, ChannelAlert> open = new LinkedHashMap<>();
    private volatile long posts;

    public AlertBridge(Consumer<String, byte[]> consumer, Deserializer<ChannelAlert> values, String topic,
                       AlertSink sink, Options options, Clock clock) {
        this.consumer = consumer;
        this.values = values;
        this.topic = topic;
        this.sink = sink;
        this.options = options;
        this.clock = clock;
    }

    /** Runs until {@link #close()}; the consumer is the caller's to close afterwards. */
    public void run() {
        try {
            List<TopicPartition> partitions = awaitPartitions();
            if (partitions.isEmpty()) return;
            consumer.assign(partitions);
            List<PostableAlert> undelivered = rebuild(partitions);
            log.info("alert bridge: {} open alert(s) in {}, {} record(s) not yet delivered", open.size(), topic,
                    undelivered.size());
            Instant now = clock.instant();
            undelivered.addAll(openAlerts(now));
            if (!deliver(undelivered)) return;
            commit(partitions);
            Instant nextResend = now.plus(options.resendInterval());
            while (!stopping()) {
                Duration wait = Duration.between(clock.instant(), nextResend);
                List<PostableAlert> batch = new ArrayList<>();
                for (ConsumerRecord<String, byte[]> r : consumer.poll(clamp(wait))) {
                    batch.addAll(apply(r, clock.instant()));
                }
                if (!batch.isEmpty()) {
                    if (!deliver(batch)) return;
                    commit(partitions);
                }
                if (!clock.instant().isBefore(nextResend)) {
                    now = clock.instant();
                    if (!deliver(openAlerts(now))) return;
                    nextResend = now.plus(options.resendInterval());
                }
            }
        } catch (WakeupException e) {
            if (!stopping()) throw e;
        } finally {
            done.countDown();
        }
    }

    /** Stops {@link #run()} and waits (up to 10 s) for it to return. Nothing undelivered is committed. */
    @Override
    public void close() {
        stop.countDown();
        consumer.wakeup();
        try {
            if (!done.await(10, TimeUnit.SECONDS)) log.warn("alert bridge: still stopping after 10 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The open alerts by dedupKey (a copy; for tests and logs). */
    public synchronized Map<String, ChannelAlert> openAlerts() {
        return new LinkedHashMap<>(open);
    }

    /** Successful posts so far. */
    public long posts() {
        return posts;
    }

    private boolean stopping() {
        return stop.getCount() == 0;
    }

    private List<TopicPartition> awaitPartitions() {
        Duration pause = options.firstBackoff();
        while (!stopping()) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic);
            if (infos != null && !infos.isEmpty()) {
                List<TopicPartition> out = new ArrayList<>();
                for (PartitionInfo p : infos) out.add(new TopicPartition(p.topic(), p.partition()));
                return out;
            }
            log.warn("alert bridge: topic {} not found, waiting for it", topic);
            if (pause(pause)) break;
            pause = backoff(pause);
        }
        return List.of();
    }

    /**
     * Reads every partition from its beginning to its current end: rebuilds the open alerts, and returns what the
     * records at or after the committed offsets say (read, perhaps, but never confirmed delivered).
     */
    private List<PostableAlert> rebuild(List<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(Set.copyOf(partitions));
        Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions));
        consumer.seekToBeginning(partitions);
        List<PostableAlert> undelivered = new ArrayList<>();
        while (!stopping() && !reached(end)) {
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                List<PostableAlert> said = apply(r, clock.instant());
                OffsetAndMetadata c = committed.get(new TopicPartition(r.topic(), r.partition()));
                if (c == null || r.offset() >= c.offset()) undelivered.addAll(said);
            }
        }
        return undelivered;
    }

    private boolean reached(Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) return false;
        }
        return true;
    }

    /** Updates the open alerts with one record and returns what it says to Alertmanager. */
    private List<PostableAlert> apply(ConsumerRecord<String, byte[]> r, Instant now) {
        ChannelAlert a = decode(r);
        synchronized (this) {
            if (r.value() == null) {
                open.remove(r.key()); // a tombstone: the key is gone
                return List.of();
            }
            if (a == null) return List.of();
            if (a.getStatus() == AlertStatus.FIRING) {
                open.remove(a.getDedupKey());
                open.put(a.getDedupKey(), a);
            } else {
                open.remove(a.getDedupKey());
            }
        }
        return AlertmanagerMapping.ofTransition(a, now, options.validity());
    }

    private ChannelAlert decode(ConsumerRecord<String, byte[]> r) {
        if (r.value() == null) return null;
        Duration pause = options.firstBackoff();
        while (true) {
            try {
                return values.deserialize(r.topic(), r.value());
            } catch (SerializationException e) {
                log.error("alert bridge: skipping {}-{}@{}, not an alert: {}", r.topic(), r.partition(), r.offset(),
                        e.getMessage());
                return null;
            } catch (RegistryException e) {
                // the registry says nothing about the record: wait for it rather than skip an alert
                log.warn("alert bridge: schema registry: {}; retrying in {} ms", e.getMessage(), pause.toMillis());
                if (pause(pause)) throw new WakeupException();
                pause = backoff(pause);
            }
        }
    }

    private synchronized List<PostableAlert> openAlerts(Instant now) {
        List<PostableAlert> out = new ArrayList<>();
        for (ChannelAlert a : open.values()) out.add(AlertmanagerMapping.firing(a, now, options.validity()));
        return out;
    }

    /** Posts until accepted or refused; false when stopped first. */
    private boolean deliver(List<PostableAlert> alerts) {
        if (alerts.isEmpty()) return true;
        List<PostableAlert> batch = AlertmanagerMapping.lastPerLabelSet(alerts);
        Duration pause = options.firstBackoff();
        while (!stopping()) {
            try {
                sink.post(batch);
                posts++;
                log.debug("alert bridge: posted {} alert(s)", batch.size());
                return true;
            } catch (AlertSink.Rejected e) {
                log.error("alert bridge: Alertmanager refused {} alert(s), skipping them: {}", batch.size(),
                        e.getMessage());
                return true;
            } catch (AlertSink.Unavailable e) {
                log.warn("alert bridge: {}; retrying in {} ms", e.getMessage(), pause.toMillis());
                if (pause(pause)) return false;
                pause = backoff(pause);
            }
        }
        return false;
    }

    private void commit(Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition p : partitions) offsets.put(p, new OffsetAndMetadata(consumer.position(p)));
        consumer.commitSync(offsets);
    }

    /** Waits, returning true if stopped meanwhile. */
    private boolean pause(Duration d) {
        try {
            return stop.await(d.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    private static Duration backoff(Duration d) {
        Duration next = d.multipliedBy(2);
        return next.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : next;
    }

    private static Duration clamp(Duration wait) {
        if (wait.isNegative() || wait.isZero()) return Duration.ZERO;
        return wait.compareTo(Duration.ofSeconds(1)) > 0 ? Duration.ofSeconds(1) : wait;
    }
}
