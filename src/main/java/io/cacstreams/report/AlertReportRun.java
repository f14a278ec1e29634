package io.cacstreams.report;

import io.cacstreams.config.AppConfig;
import io.cacstreams.config.TopicNames;
import io.cacstreams.events.AlertRule;
import io.cacstreams.events.AlertStatus;
import io.cacstreams.events.ChannelAlert;
import io.cacstreams.events.ChannelMetrics;
import io.cacstreams.generator.ChannelProfile;
import io.cacstreams.generator.EventEncoder;
import io.cacstreams.generator.GeneratorRunner;
import io.cacstreams.generator.MarketTruth;
import io.cacstreams.generator.SyntheticMarket;
import io.cacstreams.report.EpisodeMatcher.Criteria;
import io.cacstreams.serde.RegistryAvroSerde;
import io.cacstreams.serde.SchemaRegistryClient;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Runs the synthetic market through a running cac-streams at full speed and scores its alerts against the market's
 * truth ({@link AlertReport}). The market starts on a fixed date, {@link #MARKET_START}, so every run with the same
 * seed produces the same events, and (docs/semantics.md) the same settled windows and alerts. It runs one simulated
 * day more than it judges, so the windows of the judged days settle from the data itself rather than from the
 * partitions' idle timeout.
 * <p>
 * Done when the generator has sent everything, every (channel, window) has a settled metrics record for the end of
 * the judged days, and every alert committed by then has been read.
 */
public final class AlertReportRun {
    /** A Monday, more than a year before the maximum {@link Options#days} would reach the present. */
    public static final Instant MARKET_START = Instant.parse("2026-01-05T00:00:00Z");
    private static final long HOUR = 3_600_000L;
    private static final long DAY = 24 * HOUR;
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(10);

    /**
     * @param days    simulated days to judge (default 120)
     * @param seed    the market's seed (default 42)
     * @param timeout how long the whole run may take (default 20 min)
     */
    public record Options(int days, long seed, Duration timeout) {
        public static final int DEFAULT_DAYS = 120;

        public Options {
            if (days < 1) throw new IllegalArgumentException("--days must be >= 1");
            long end = MARKET_START.plus(Duration.ofDays(days + 1L)).toEpochMilli();
            if (end > System.currentTimeMillis()) {
                throw new IllegalArgumentException("--days " + days + " would run the market (from " + MARKET_START
                        + ") into the future");
            }
        }
    }

    private final Options options;
    private final Map<String, String> clients;
    private final AppConfig config;
    private final SchemaRegistryClient registry;
    private final String stack;

    /**
     * @param clients what the report's producer and consumer need to reach the broker
     * @param config  the running application's configuration (topics, windows, alert rule)
     * @param stack   what the application runs on, for the report
     */
    public AlertReportRun(Options options, Map<String, String> clients, AppConfig config, SchemaRegistryClient registry,
                          String stack) {
        this.options = options;
        this.clients = Map.copyOf(clients);
        this.config = config;
        this.registry = registry;
        this.stack = stack;
    }

    public AlertReport run(PrintWriter log) throws InterruptedException {
        String startedAt = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        List<ChannelProfile> channels = ChannelProfile.defaults();
        SyntheticMarket market = new SyntheticMarket(options.seed(), MARKET_START, config.topics(), channels,
                SyntheticMarket.Options.defaults());
        long start = market.start().toEpochMilli();
        long judgedEnd = start + options.days() * DAY;
        List<String> names = new ArrayList<>(channels.stream().map(ChannelProfile::name).toList());
        names.add(AppConfig.ALL);
        List<Integer> windows = config.windows().stream().map(w -> (int) w.toDays()).sorted().toList();

        Outputs outputs = new Outputs(config.topics(), registry, names, windows);
        long began = System.nanoTime();
        long deadline = began + options.timeout().toNanos();
        try (KafkaProducer<String, byte[]> producer = producer();
             KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            EventEncoder encoder = new EventEncoder(registry, options.seed());
            GeneratorRunner generator = new GeneratorRunner(producer, market, encoder, Double.POSITIVE_INFINITY,
                    Integer.MAX_VALUE, (options.days() + 1L) * 24);
            Thread producing = new Thread(generator, "cac-alert-report-generator");
            producing.setDaemon(true);
            producing.start();
            consumer.assign(outputs.partitions(consumer));
            consumer.seekToBeginning(consumer.assignment());
            double produceSeconds = Double.NaN;
            long lastProgress = System.nanoTime();
            while (true) {
                if (System.nanoTime() > deadline) {
                    generator.stop();
                    throw new IllegalStateException("not settled within " + options.timeout() + ": " + outputs.behind(
                            judgedEnd));
                }
                if (generator.failure() != null) throw new IllegalStateException("producing failed",
                        generator.failure());
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) outputs.accept(r);
                if (Double.isNaN(produceSeconds) && !producing.isAlive()) {
                    produceSeconds = (System.nanoTime() - began) / 1e9;
                    log.printf(Locale.ROOT, "  produced %,d records in %.1f s%n", generator.sent(), produceSeconds);
                    log.flush();
                }
                if (!producing.isAlive() && outputs.settledThrough() >= judgedEnd) break;
                if (System.nanoTime() - lastProgress > PROGRESS_EVERY.toNanos()) {
                    lastProgress = System.nanoTime();
                    log.printf(Locale.ROOT, "  %,d records produced; %s (judged: days 0 to %d)%n", generator.sent(),
                            outputs.progress(start), options.days());
                    log.flush();
                }
            }
            // the alerts committed with those settled windows: read up to the end offsets (read_committed: the
            // last stable offsets), which include every alert of a committed transaction
            Map<TopicPartition, Long> ends = consumer.endOffsets(consumer.assignment());
            while (ends.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
                if (System.nanoTime() > deadline) throw new IllegalStateException("outputs not read within "
                        + options.timeout());
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) outputs.accept(r);
            }
            double settleSeconds = (System.nanoTime() - began) / 1e9;
            MarketTruth truth = market.truth();
            List<AlertReport.Input> inputs = new ArrayList<>();
            for (String channel : names) {
                for (int w : windows) {
                    inputs.add(new AlertReport.Input(channel, w, truth(truth, channel, w, start),
                            outputs.spans(channel, w, judgedEnd), outputs.noConversions(channel, w, judgedEnd),
                            outputs.bands(channel, w, judgedEnd, AlertStatus.FIRING),
                            outputs.bands(channel, w, judgedEnd, AlertStatus.RESOLVED)));
                }
            }
            AlertReport.Run run = new AlertReport.Run(stack, options.days(), options.seed(), market.start().toString(),
                    generator.sent(), produceSeconds, settleSeconds, outputs.settledRecords, outputs.deadLetters);
            AlertReport.Rule rule = AlertReport.Rule.of(config.alertDefaults(),
                    List.copyOf(config.alertOverrides().keySet()));
            return AlertReport.of(startedAt, run, rule, Criteria.defaults(), start, inputs);
        }
    }

    /**
     * The true ratio of every window of {@code w} days that ends on an hour of the judged days and covers only
     * simulated days: a window reaching before the start is WARMING_UP, never alerted on, so not judged.
     */
    private TruthSeries truth(MarketTruth truth, String channel, int w, long start) {
        int from = w * 24;
        int to = options.days() * 24;
        double[] values = to < from ? new double[0] : truth.windowSeries(channel, w, from, to, config);
        return new TruthSeries(start + from * HOUR, HOUR, values);
    }

    private KafkaProducer<String, byte[]> producer() {
        Properties p = new Properties();
        p.putAll(clients);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    /** No group: the report assigns itself every partition of the outputs and reads them from the beginning. */
    private KafkaConsumer<byte[], byte[]> consumer() {
        Properties p = new Properties();
        p.putAll(clients);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** What the application wrote: how far each (channel, window) has settled, and every alert record. */
    private static final class Outputs {
        private final TopicNames topics;
        private final Deserializer<ChannelMetrics> metrics;
        private final Deserializer<ChannelAlert> alerts;
        private final Map<String, Long> settled = new LinkedHashMap<>();
        private final List<ChannelAlert> alertRecords = new ArrayList<>();
        long settledRecords;
        long deadLetters;

        Outputs(TopicNames topics, SchemaRegistryClient registry, List<String> channels, List<Integer> windows) {
            this.topics = topics;
            this.metrics = new RegistryAvroSerde<>(registry, ChannelMetrics.class, false, false).deserializer();
            this.alerts = new RegistryAvroSerde<>(registry, ChannelAlert.class, false, false).deserializer();
            for (String c : channels) for (int w : windows) settled.put(key(c, w), Long.MIN_VALUE);
        }

        List<TopicPartition> partitions(KafkaConsumer<?, ?> consumer) {
            List<TopicPartition> out = new ArrayList<>();
            for (String t : List.of(topics.metrics(), topics.alerts(), topics.deadLetter())) {
                consumer.partitionsFor(t).forEach(p -> out.add(new TopicPartition(t, p.partition())));
            }
            return out;
        }

        void accept(ConsumerRecord<byte[], byte[]> r) {
            if (r.topic().equals(topics.deadLetter())) {
                deadLetters++;
            } else if (r.topic().equals(topics.alerts())) {
                alertRecords.add(alerts.deserialize(r.topic(), r.value()));
            } else {
                ChannelMetrics m = metrics.deserialize(r.topic(), r.value());
                if (!Boolean.TRUE.equals(m.getSettled())) return;
                settledRecords++;
                settled.merge(key(m.getChannel(), m.getWindowDays()), m.getWindowEnd().toEpochMilli(), Math::max);
            }
        }

        /** The end of the latest window settled for every (channel, window). */
        long settledThrough() {
            return settled.values().stream().mapToLong(Long::longValue).min().orElseThrow();
        }

        /** How far the slowest (channel, window) has settled, in days since {@code start}. */
        String progress(long start) {
            long none = settled.values().stream().filter(v -> v == Long.MIN_VALUE).count();
            OptionalLong slowest = settled.values().stream().mapToLong(Long::longValue)
                    .filter(v -> v != Long.MIN_VALUE).min();
            String through = slowest.isEmpty() ? "no window settled yet" : String.format(Locale.ROOT,
                    "the slowest window settled through day %.1f", (slowest.getAsLong() - start) / (double) DAY);
            return none == 0 || slowest.isEmpty() ? through
                    : String.format(Locale.ROOT, "%s, %d (channel, window) with nothing settled", through, none);
        }

        String behind(long end) {
            Map<String, String> behind = new TreeMap<>();
            settled.forEach((k, v) -> {
                if (v < end) {
                    behind.put(k, v == Long.MIN_VALUE ? "nothing settled" : Instant.ofEpochMilli(v).toString());
                }
            });
            return "settled through (of " + Instant.ofEpochMilli(end) + "): " + behind;
        }

        /** The LTV:CAC alerts of one (channel, window) as spans, as they stood at {@code end}. */
        List<AlertSpan> spans(String channel, int windowDays, long end) {
            Map<String, long[]> byId = new LinkedHashMap<>(); // firedAt, resolvedAt (-1: firing), severity changes
            for (ChannelAlert a : of(AlertRule.LTV_CAC_BELOW_TARGET, channel, windowDays, end)) {
                long[] s = byId.computeIfAbsent(a.getAlertId(),
                        id -> new long[]{a.getStartsAt().toEpochMilli(), -1, 0});
                if (a.getStatus() == AlertStatus.RESOLVED) s[1] = a.getEndsAt().toEpochMilli();
                else if (a.getPreviousSeverity() != null) s[2]++;
            }
            List<AlertSpan> out = new ArrayList<>();
            byId.forEach((id, s) -> out.add(new AlertSpan(id, s[0], s[1] < 0 ? null : s[1], (int) s[2])));
            return out;
        }

        /** Per alertId, LTV:CAC and its interval in its first record of {@code status}. */
        Map<String, AlertReport.Band> bands(String channel, int windowDays, long end, AlertStatus status) {
            Map<String, AlertReport.Band> out = new HashMap<>();
            for (ChannelAlert a : of(AlertRule.LTV_CAC_BELOW_TARGET, channel, windowDays, end)) {
                if (a.getStatus() == status) {
                    out.putIfAbsent(a.getAlertId(), new AlertReport.Band(a.getRatio(), a.getLtvToCacLower(),
                            a.getLtvToCacUpper()));
                }
            }
            return out;
        }

        int noConversions(String channel, int windowDays, long end) {
            return (int) of(AlertRule.NO_CONVERSIONS, channel, windowDays, end).stream()
                    .filter(a -> a.getStatus() == AlertStatus.FIRING && a.getPreviousSeverity() == null).count();
        }

        private List<ChannelAlert> of(AlertRule rule, String channel, int windowDays, long end) {
            Map<String, Boolean> seen = new HashMap<>();
            return alertRecords.stream().filter(a -> a.getRule() == rule && a.getChannel().equals(channel)
                            && a.getWindowDays() == windowDays && a.getEvaluatedAt().toEpochMilli() <= end)
                    .filter(a -> seen.putIfAbsent(a.getAlertId() + a.getStatus() + a.getEvaluatedAt(), true) == null)
                    .toList();
        }

        private static String key(String channel, int windowDays) {
            return channel + "|" + windowDays + "d";
        }
    }
}
