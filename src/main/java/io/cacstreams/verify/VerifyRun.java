package io.cacstreams.verify;

import io.cacstreams.config.AppConfig;
import io.cacstreams.config.TopicNames;
import io.cacstreams.generator.ChannelProfile;
import io.cacstreams.generator.EventEncoder;
import io.cacstreams.generator.Fault;
import io.cacstreams.generator.GeneratedEvent;
import io.cacstreams.generator.SyntheticMarket;
import io.cacstreams.serde.SchemaRegistryClient;
import org.apache.kafka.clients.admin.Admin;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;

/**
 * An end-to-end check of a running cluster: produce a known synthetic stream (with bad records and duplicates) into
 * topics of its own ({@link RunTopics}, {@link Production}), run cac-streams on them in child JVMs
 * ({@link Instances}), optionally {@code kill -9} and restart them while they work ({@link Chaos}), wait until
 * everything is processed ({@link Quiescence}), then recompute every final figure independently
 * ({@link ExpectedFigures}) and compare ({@link FigureCheck}); the outcome is a {@link VerifySummary}. Used by the
 * {@code verify} command and the fault tests, which change a run through {@link Hooks}.
 */
public final class VerifyRun {

    /**
     * @param partitions partitions of every input and output topic (fx rates: 1)
     * @param chaos      what happens while the application processes (default: {@code kills} times kill -9 and
     *                   restart of the single instance at random moments)
     * @param check      exact comparison (exactly-once), or the at-least-once one: more than once allowed, loss never
     */
    public record Options(int days, double volume, long seed, double badShare, double duplicateShare, int kills,
                          Duration timeout, Path jar, List<String> jvmArgs, Path workDir, int partitions,
                          Chaos chaos, Check check) {
        public Options(int days, double volume, long seed, double badShare, double duplicateShare, int kills,
                       Duration timeout, Path jar, List<String> jvmArgs, Path workDir) {
            this(days, volume, seed, badShare, duplicateShare, kills, timeout, jar, jvmArgs, workDir, 4,
                    Chaos.randomKills(kills), Check.EXACT);
        }

        public Options withPartitions(int n) {
            return new Options(days, volume, seed, badShare, duplicateShare, kills, timeout, jar, jvmArgs, workDir, n,
                    chaos, check);
        }

        public Options withChaos(Chaos c) {
            return new Options(days, volume, seed, badShare, duplicateShare, kills, timeout, jar, jvmArgs, workDir,
                    partitions, c, check);
        }

        public Options withCheck(Check c) {
            return new Options(days, volume, seed, badShare, duplicateShare, kills, timeout, jar, jvmArgs, workDir,
                    partitions, chaos, c);
        }
    }

    /** How outputs are compared with the expected figures. */
    public enum Check {
        /** Every figure exact, every alert transition exactly once (exactly-once processing). */
        EXACT,
        /**
         * At-least-once: the raw counts ({@code spend, leads, newCustomers, churned, churnedNew}) and dead letters
         * may be higher than expected (re-processing counted twice), never lower; identical alert transitions may
         * repeat, but once de-duplicated they must pair correctly. Figures derived from counts that can move either
         * way ({@code activeCustomers}, {@code customersAtStart}, ratios) are compared and reported, not asserted.
         */
        AT_LEAST_ONCE
    }

    /** The first simulated day: fixed, so that a seed always gives the same events. */
    private static final Instant MARKET_START = Instant.parse("2026-03-02T00:00:00Z");

    private final AppConfig base;
    private final Map<String, Object> clientProperties;
    private final Options options;
    private double oldBatchShare;
    private Hooks hooks = Hooks.NONE;
    private Duration soak;
    private Duration rssSampleInterval = Duration.ofSeconds(3);

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

    /**
     * Once everything else is produced, re-send this share of the good events (see {@link OldBatch}): weeks later in
     * production order, each must still be counted once. Default 0 (none).
     */
    public VerifyRun withOldBatch(double share) {
        this.oldBatchShare = share;
        return this;
    }

    public VerifyRun withHooks(Hooks hooks) {
        this.hooks = hooks;
        return this;
    }

    /**
     * Soak mode: the events of {@link Options#days()} simulated days are produced evenly over {@code duration} while
     * the application runs (instead of all before it starts), and the child's resident set size is sampled every
     * {@code sampleInterval} meanwhile; the run fails if it keeps growing (see {@link RssWatch#verdict}).
     */
    public VerifyRun withSoak(Duration duration, Duration sampleInterval) {
        this.soak = duration;
        this.rssSampleInterval = sampleInterval;
        return this;
    }

    /** The settings of a run's application: its own topics and application id. */
    public static Map<String, String> runSettings(AppConfig base, String runId) {
        return RunTopics.settings(base, runId);
    }

    public VerifySummary run(PrintStream log) throws Exception {
        String runId = Long.toString(System.currentTimeMillis(), 36);
        Map<String, String> settings = runSettings(base, runId);
        settings.putIfAbsent("commit.interval.ms", "2000");
        AppConfig config = AppConfig.from(settings);
        TopicNames topics = config.topics();
        Properties adminProperties = new Properties();
        adminProperties.putAll(clientProperties);
        try (Admin admin = Admin.create(adminProperties);
             SchemaRegistryClient registry = SchemaRegistryClient.create(config.registry())) {
            RunTopics.create(admin, topics, options.partitions());
            if (MARKET_START.plus(Duration.ofDays(options.days() + 1)).isAfter(Instant.now())) {
                throw new IllegalArgumentException("--days " + options.days() + " would simulate events in the future"
                        + " (the market starts on " + MARKET_START + ")");
            }
            ExpectedFigures expected = new ExpectedFigures(config);
            expected.conversionPartitions(options.partitions());
            SyntheticMarket market = new SyntheticMarket(options.seed(), MARKET_START,
                    topics, ChannelProfile.defaults().stream().map(c -> c.scaled(options.volume())).toList(),
                    new SyntheticMarket.Options(options.badShare(), options.duplicateShare()));
            List<List<GeneratedEvent>> batches = new ArrayList<>();
            batches.add(market.history());
            for (int h = 0; h < options.days() * 24; h++) batches.add(market.nextHour());
            long total = batches.stream().mapToLong(List::size).sum();
            int phases = soak != null ? 1 : Math.max(1, hooks.phases());
            try (Production prod = new Production(clientProperties, hooks, expected,
                    new EventEncoder(registry, options.seed()), topics.fxRates());
                 Instances apps = new Instances(options, settings, runId, log, new Random(options.seed()))) {
                prod.sendFxRates(batches);
                int perPhase = (batches.size() + phases - 1) / phases;
                if (soak == null) prod.produce(batches.subList(0, Math.min(perPhase, batches.size())), 0);
                prod.flush();
                ChildApp app = apps.startNew();
                Hooks.Stage stage = new Hooks.Stage(app, admin, config, log);
                log.printf(Locale.ROOT, "verify %s: %d events generated, %d phase(s)%s, %d partitions per topic, app"
                        + " log %s%n", runId, total, phases, soak == null ? "" : ", soak " + soak, options.partitions(),
                        app.log());
                List<Long> rss = List.of();
                if (soak != null) {
                    RssWatch watch = RssWatch.start(app, rssSampleInterval, log);
                    try {
                        prod.soak(batches, total, soak, log);
                    } finally {
                        watch.stop();
                    }
                    rss = watch.samplesKb();
                }
                for (int phase = 1; phase < phases; phase++) {
                    hooks.beforePhase(phase, stage);
                    int from = Math.min(batches.size(), phase * perPhase);
                    prod.produce(batches.subList(from, Math.min(batches.size(), from + perPhase)), phase);
                    prod.flush();
                }
                long oldBatch = resendOldBatch(prod, batches.subList(1, batches.size()), topics.fxRates(), phases - 1,
                        log);
                hooks.afterProduced(stage);
                options.chaos().run(apps);
                String pending;
                try (OutputKeys keys = new OutputKeys(clientProperties, topics.metrics(), expected.metricsKeys())) {
                    pending = Quiescence.await(new Quiescence.Watch(admin, config.applicationId(), topics.inputs(),
                            prod.ends(), Quiescence.lagFor(config.kafka())), topics.outputs(), keys,
                            Duration.ofSeconds(6), options.timeout());
                }
                OutputSnapshot out = OutputSnapshot.read(config, clientProperties, registry, Duration.ofMinutes(2));
                FigureCheck.Result result = FigureCheck.judge(config, expected, out, prod.badAt(), options.check());
                List<String> mismatches = new ArrayList<>(result.mismatches());
                if (prod.sendFailure() != null) {
                    mismatches.add(0, "a send of the input stream failed, so the inputs are not what was generated: "
                            + prod.sendFailure());
                }
                mismatches.addAll(apps.notRunning());
                return new VerifySummary(expected.produced(), prod.faults().getOrDefault(Fault.NONE, 0L),
                        prod.faults().getOrDefault(Fault.DUPLICATE, 0L), prod.faults(), out.deadLettersByReason(),
                        result.metricsChecked(), mismatches, out.alerts.size(), apps.restarts(), pending,
                        apps.all().size(), apps.kills(), result.excess(), apps.steps(),
                        apps.all().stream().map(ChildApp::log).toList(), rss,
                        soak == null ? null : RssWatch.verdict(rss), oldBatch);
            }
        }
    }

    /** Sends the old batch ({@link OldBatch}) of the simulated hours' events, encoded as in {@code phase}. */
    private long resendOldBatch(Production prod, List<List<GeneratedEvent>> hours, String fxTopic, int phase,
                                PrintStream log) {
        if (oldBatchShare == 0) return 0;
        List<GeneratedEvent> old = OldBatch.pick(hours.stream().flatMap(List::stream).toList(), oldBatchShare,
                options.seed(), fxTopic);
        prod.produce(List.of(old), phase);
        prod.flush();
        log.printf(Locale.ROOT, "  old batch: %d events re-sent after all others%s%n", old.size(), old.isEmpty() ? ""
                : ", dated " + Instant.ofEpochMilli(old.get(0).occurredAt()) + " to "
                + Instant.ofEpochMilli(old.get(old.size() - 1).occurredAt()));
        return old.size();
    }
}
