package io.cacstreams.verify;

import io.cacstreams.config.AppConfig;
import io.cacstreams.events.ChannelMetrics;
import io.cacstreams.events.DeadLetterReason;
import io.cacstreams.generator.ChannelProfile;
import io.cacstreams.generator.EventEncoder;
import io.cacstreams.generator.Fault;
import io.cacstreams.generator.GeneratedEvent;
import io.cacstreams.generator.SyntheticMarket;
import io.cacstreams.serde.SchemaRegistryClient;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * An end-to-end check of a running cluster: produce a known synthetic stream (with bad records and duplicates) into
 * topics of its own, run cac-streams on them in a child JVM, optionally {@code kill -9} and restart it K times while
 * it works, wait until it has processed everything, then recompute every final figure independently
 * ({@link ExpectedFigures}) and compare. Used by the {@code verify} command and the fault tests.
 */
public final class VerifyRun {

    public record Options(int days, double volume, long seed, double badShare, double duplicateShare, int kills,
                          Duration timeout, Path jar, List<String> jvmArgs, Path workDir) {
    }

    public record Summary(long produced, long good, long duplicatesSent, Map<Fault, Long> faults,
                          Map<DeadLetterReason, Long> deadLetters, int metricsChecked, List<String> mismatches,
                          long alertTransitions, int restarts, String pending) {
        public boolean ok() {
            return mismatches.isEmpty() && pending == null;
        }

        public void print(PrintStream out) {
            out.println("cac-streams verify");
            out.printf(Locale.ROOT, "  %-34s %d%n", "events produced", produced);
            out.printf(Locale.ROOT, "  %-34s %d%n", "  good events", good);
            out.printf(Locale.ROOT, "  %-34s %d%n", "  duplicates re-sent", duplicatesSent);
            faults.forEach((f, n) -> {
                if (f != Fault.NONE && f != Fault.DUPLICATE) out.printf(Locale.ROOT, "  %-34s %d%n", "  bad: " + f, n);
            });
            deadLetters.forEach((r, n) -> out.printf(Locale.ROOT, "  %-34s %d%n", "dead letters " + r, n));
            out.printf(Locale.ROOT, "  %-34s %d%n", "metrics records checked", metricsChecked);
            out.printf(Locale.ROOT, "  %-34s %d%n", "alert transitions seen", alertTransitions);
            out.printf(Locale.ROOT, "  %-34s %d%n", "restarts survived (kill -9)", restarts);
            out.printf(Locale.ROOT, "  %-34s %d%n", "mismatches", mismatches.size() + (pending == null ? 0 : 1));
            if (pending != null) out.println("  NOT QUIET: " + pending);
            mismatches.stream().limit(50).forEach(m -> out.println("  MISMATCH " + m));
            out.println(ok() ? "RESULT: OK" : "RESULT: FAILED");
        }
    }

    private final AppConfig base;
    private final Map<String, Object> clientProperties;
    private final Options options;

    /**
     * @param base             the cluster and registry to use ({@code bootstrap.servers}, {@code cac.registry.url},
     *                         security settings); topic names and application id are replaced by this run's own
     * @param clientProperties properties for the admin, producer and consumer clients
     */
    public VerifyRun(AppConfig base, Map<String, Object> clientProperties, Options options) {
        this.base = base;
        this.clientProperties = clientProperties;
        this.options = options;
    }

    /** The settings of this run's application: its own topics and application id. */
    public static Map<String, String> runSettings(AppConfig base, String runId) {
        Map<String, String> s = new TreeMap<>(base.toSettings());
        String prefix = "cac-verify-" + runId + "-";
        s.put("application.id", "cac-verify-" + runId);
        s.put("cac.topic.spend", prefix + "marketing-spend");
        s.put("cac.topic.leads", prefix + "leads");
        s.put("cac.topic.conversions", prefix + "conversions");
        s.put("cac.topic.churn", prefix + "churn");
        s.put("cac.topic.fx", prefix + "fx-rates");
        s.put("cac.topic.metrics", prefix + "channel-metrics");
        s.put("cac.topic.alerts", prefix + "channel-alerts");
        s.put("cac.topic.deadletter", prefix + "dead-letter");
        return s;
    }

    public Summary run(PrintStream log) throws Exception {
        String runId = Long.toString(System.currentTimeMillis(), 36);
        Map<String, String> settings = runSettings(base, runId);
        settings.putIfAbsent("commit.interval.ms", "2000");
        AppConfig config = AppConfig.from(settings);
        var topics = config.topics();
        Properties admin = new Properties();
        admin.putAll(clientProperties);
        try (Admin a = Admin.create(admin); SchemaRegistryClient registry = SchemaRegistryClient.create(config.registry())) {
            List<NewTopic> all = new ArrayList<>();
            for (String t : topics.inputs()) all.add(new NewTopic(t, java.util.Optional.of(4), java.util.Optional.empty()));
            all.add(new NewTopic(topics.fxRates(), java.util.Optional.of(1), java.util.Optional.empty()));
            for (String t : topics.outputs()) all.add(new NewTopic(t, java.util.Optional.of(4), java.util.Optional.empty()));
            a.createTopics(all).all().get();

            ExpectedFigures expected = new ExpectedFigures(config);
            SyntheticMarket market = new SyntheticMarket(options.seed(), Instant.parse("2026-03-02T00:00:00Z"),
                    topics, ChannelProfile.defaults().stream().map(c -> c.scaled(options.volume())).toList(),
                    new SyntheticMarket.Options(options.badShare(), options.duplicateShare()));
            EventEncoder encoder = new EventEncoder(registry, options.seed());
            Map<Fault, Long> faults = new EnumMap<>(Fault.class);
            List<List<GeneratedEvent>> batches = new ArrayList<>();
            batches.add(market.history());
            for (int h = 0; h < options.days() * 24; h++) batches.add(market.nextHour());
            long total = batches.stream().mapToLong(List::size).sum();
            Random random = new Random(options.seed());
            TreeSet<Long> killAt = new TreeSet<>();
            while (killAt.size() < options.kills()) killAt.add((long) (total * (0.1 + 0.8 * random.nextDouble())));

            int restarts = 0;
            try (ChildApp app = new ChildApp(options.jar(), settings, options.workDir().resolve("app-" + runId + ".log"),
                    options.jvmArgs())) {
                app.start();
                log.printf(Locale.ROOT, "verify %s: %d events, %d kills, app log %s%n", runId, total, options.kills(),
                        app.log());
                Properties p = new Properties();
                p.putAll(clientProperties);
                p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
                p.put(ProducerConfig.ACKS_CONFIG, "all");
                p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
                long sent = 0;
                try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(),
                        new ByteArraySerializer())) {
                    for (List<GeneratedEvent> batch : batches) {
                        for (GeneratedEvent e : batch) {
                            producer.send(new ProducerRecord<>(e.topic(), null, e.occurredAt(), e.key(), encoder.encode(e)));
                            expected.accept(e);
                            faults.merge(e.fault(), 1L, Long::sum);
                            sent++;
                            if (!killAt.isEmpty() && sent >= killAt.first()) {
                                killAt.pollFirst();
                                producer.flush();
                                Thread.sleep(1000 + random.nextInt(3000)); // let it get into a transaction
                                app.kill();
                                restarts++;
                                log.printf(Locale.ROOT, "  kill -9 #%d after %d events; restarting%n", restarts, sent);
                                app.start();
                            }
                        }
                    }
                    producer.flush();
                }
                String pending = Quiescence.await(a, config.applicationId(), topics.inputs(), topics.outputs(),
                        Duration.ofSeconds(6), options.timeout());
                OutputSnapshot out = OutputSnapshot.read(config, clientProperties, registry, Duration.ofMinutes(2));
                List<String> mismatches = new ArrayList<>();
                int checked = 0;
                for (String channel : expected.channels()) {
                    for (java.time.Duration w : config.windows()) {
                        int days = (int) w.toDays();
                        ChannelMetrics m = out.latestMetrics.get(channel + "|" + days + "d");
                        if (m == null) {
                            mismatches.add(channel + "|" + days + "d: no metrics record");
                            continue;
                        }
                        checked++;
                        mismatches.addAll(OutputCheck.compare(expected.expect(channel, days, m.getAsOf().toEpochMilli()), m));
                    }
                }
                mismatches.addAll(OutputCheck.alerts(out.alerts));
                mismatches.addAll(expected.checkDeadLetters(out.deadLettersByReason()));
                if (!app.isAlive()) mismatches.add("the application is not running at the end (see " + app.log() + ")");
                return new Summary(expected.produced(), faults.getOrDefault(Fault.NONE, 0L),
                        faults.getOrDefault(Fault.DUPLICATE, 0L), faults, out.deadLettersByReason(), checked,
                        mismatches, out.alerts.size(), restarts, pending);
            }
        }
    }
}
