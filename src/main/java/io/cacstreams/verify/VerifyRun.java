package io.cacstreams.verify;

import io.cacstreams.config.AppConfig;
import io.cacstreams.events.ChannelMetrics;
import io.cacstreams.events.DeadLetter;
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
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
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

    /** What happens to the running application between its first start and the wait for quiescence. */
    @FunctionalInterface
    public interface Chaos {
        void run(Instances instances) throws Exception;

        /** {@code kills} times: wait 4-12 s (transactions open), kill -9 instance 0 and restart it. */
        static Chaos randomKills(int kills) {
            return in -> {
                for (int k = 0; k < kills; k++) {
                    Thread.sleep(4000 + in.random().nextInt(8000));
                    in.kill(in.get(0));
                    in.restart(in.get(0));
                }
            };
        }
    }

    /**
     * The child instances of one run, all of the same application id, each with its own state directory, log and
     * ops port. The first is started before {@link Chaos#run}; every instance still meant to run at the end is
     * checked to be alive.
     */
    public static final class Instances implements AutoCloseable {
        private final Options options;
        private final Map<String, String> settings;
        private final String runId;
        private final PrintStream log;
        private final Random random;
        private final List<ChildApp> apps = new ArrayList<>();
        private final java.util.Set<ChildApp> down = new java.util.HashSet<>();
        private final List<String> events = new ArrayList<>();
        private final long t0 = System.nanoTime();
        private int kills;
        private int restarts;

        Instances(Options options, Map<String, String> settings, String runId, PrintStream log, Random random) {
            this.options = options;
            this.settings = settings;
            this.runId = runId;
            this.log = log;
            this.random = random;
        }

        /** Starts a new instance (the next index) with its own state directory and log. */
        public synchronized ChildApp startNew() throws java.io.IOException {
            int i = apps.size();
            Map<String, String> s = new TreeMap<>(settings);
            Path base = s.containsKey("state.dir") ? Path.of(s.get("state.dir")) : options.workDir().resolve("state");
            s.put("state.dir", base.resolve(runId + "-i" + i).toString());
            ChildApp app = new ChildApp(options.jar(), s, options.workDir().resolve("app-" + runId + "-i" + i + ".log"),
                    options.jvmArgs());
            apps.add(app);
            app.start();
            note("start instance " + i + " (log " + app.log() + ")");
            return app;
        }

        public synchronized ChildApp get(int i) {
            return apps.get(i);
        }

        public synchronized List<ChildApp> all() {
            return List.copyOf(apps);
        }

        /** kill -9; the instance counts as meant to be down until {@link #restart}ed. */
        public void kill(ChildApp app) throws InterruptedException {
            app.kill();
            synchronized (this) {
                kills++;
                down.add(app);
            }
            note("kill -9 instance " + apps.indexOf(app));
        }

        public void restart(ChildApp app) throws java.io.IOException {
            app.start();
            synchronized (this) {
                restarts++;
                down.remove(app);
            }
            note("restart instance " + apps.indexOf(app));
        }

        /** Logs a step with the time since the first start (also kept for the summary). */
        public synchronized void note(String what) {
            String line = String.format(Locale.ROOT, "  +%6.1fs %s", (System.nanoTime() - t0) / 1e9, what);
            events.add(line.trim());
            log.println(line);
        }

        public Random random() {
            return random;
        }

        public String runId() {
            return runId;
        }

        /** The run's settings (its topics, application id), without the per-instance state directory. */
        public Map<String, String> settings() {
            return java.util.Collections.unmodifiableMap(settings);
        }

        synchronized List<String> notRunning() {
            List<String> out = new ArrayList<>();
            for (ChildApp a : apps) {
                if (!down.contains(a) && !a.isAlive()) out.add("instance " + apps.indexOf(a) + " is not running at the end (see " + a.log() + ")");
            }
            return out;
        }

        @Override
        public void close() throws InterruptedException {
            for (ChildApp a : all()) a.close();
        }
    }

    public record Summary(long produced, long good, long duplicatesSent, Map<Fault, Long> faults,
                          Map<DeadLetterReason, Long> deadLetters, int metricsChecked, List<String> mismatches,
                          long alertTransitions, int restarts, String pending, int instances, int kills,
                          List<String> excess, List<String> steps, List<Path> logs, List<Long> rssSamplesKb,
                          String rssVerdict, long oldBatchResent) {
        public boolean ok() {
            return mismatches.isEmpty() && pending == null && rssVerdict == null;
        }

        public void print(PrintStream out) {
            out.println("cac-streams verify");
            out.printf(Locale.ROOT, "  %-34s %d%n", "events produced", produced);
            out.printf(Locale.ROOT, "  %-34s %d%n", "  good events", good);
            out.printf(Locale.ROOT, "  %-34s %d%n", "  duplicates re-sent", duplicatesSent);
            out.printf(Locale.ROOT, "  %-34s %d%n", "    of which an old batch, last", oldBatchResent);
            faults.forEach((f, n) -> {
                if (f != Fault.NONE && f != Fault.DUPLICATE) out.printf(Locale.ROOT, "  %-34s %d%n", "  bad: " + f, n);
            });
            deadLetters.forEach((r, n) -> out.printf(Locale.ROOT, "  %-34s %d%n", "dead letters " + r, n));
            out.printf(Locale.ROOT, "  %-34s %d%n", "metrics records checked", metricsChecked);
            out.printf(Locale.ROOT, "  %-34s %d%n", "alert transitions seen", alertTransitions);
            out.printf(Locale.ROOT, "  %-34s %d%n", "instances started", instances);
            out.printf(Locale.ROOT, "  %-34s %d%n", "kills (kill -9)", kills);
            out.printf(Locale.ROOT, "  %-34s %d%n", "restarts", restarts);
            if (!excess.isEmpty()) {
                out.printf(Locale.ROOT, "  %-34s %d%n", "figures above expected (allowed)", excess.size());
                excess.stream().limit(20).forEach(m -> out.println("  EXCESS " + m));
            }
            if (!rssSamplesKb.isEmpty()) {
                out.printf(Locale.ROOT, "  %-34s %s%n", "child RSS samples (MiB)", rssSamplesKb.stream()
                        .map(k -> Long.toString(k / 1024)).collect(Collectors.joining(" ")));
                out.printf(Locale.ROOT, "  %-34s %s%n", "memory", rssVerdict == null ? "bounded" : rssVerdict);
            }
            out.printf(Locale.ROOT, "  %-34s %d%n", "mismatches", mismatches.size() + (pending == null ? 0 : 1));
            if (pending != null) out.println("  NOT QUIET: " + pending);
            mismatches.stream().limit(50).forEach(m -> out.println("  MISMATCH " + m));
            out.println(ok() ? "RESULT: OK" : "RESULT: FAILED");
        }
    }

    /**
     * What a fault test changes in a run. Events (not fx rates: those all go first) are produced in {@link #phases()}
     * parts of equal simulated length: the first before the application starts, each later one while it runs, after
     * {@link #beforePhase}.
     */
    public interface Hooks {
        /** Producer settings on top of the defaults (idempotent, acks=all). */
        default Map<String, Object> producerOverrides() {
            return Map.of();
        }

        /** The bytes to send for {@code e} in {@code phase}; {@code encoded} is the generator's encoding. */
        default byte[] encode(GeneratedEvent e, byte[] encoded, int phase) {
            return encoded;
        }

        default int phases() {
            return 1;
        }

        /** Called before phase {@code phase} (1 ..) is produced, with the application running. */
        default void beforePhase(int phase, Stage stage) throws Exception {
        }

        /** Called once everything is produced, before the kills and the wait for quiescence. */
        default void afterProduced(Stage stage) throws Exception {
        }
    }

    /** The running application and the means to look at it, for {@link Hooks}. */
    public record Stage(ChildApp app, Admin admin, AppConfig config, PrintStream log) {
        /** Waits until the application has consumed every input record produced so far; null when it has. */
        public String awaitConsumed(Duration timeout) throws InterruptedException {
            return Quiescence.await(new Quiescence.Watch(admin, config.applicationId(), config.topics().inputs(),
                    Map.of(), Quiescence.lagFor(config.kafka())), List.of(), null, Duration.ZERO, timeout);
        }
    }

    private static final Hooks NO_HOOKS = new Hooks() {
    };

    /** A record went to the coordinates (topic, partition, offset) named by {@link #at}. */
    private static String at(String topic, int partition, long offset) {
        return topic + "-" + partition + "@" + offset;
    }

    private final AppConfig base;
    private final Map<String, Object> clientProperties;
    private final Options options;
    private Hooks hooks = NO_HOOKS;
    private Duration soak;
    private Duration rssSampleInterval = Duration.ofSeconds(3);
    private double oldBatchShare;

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

    public VerifyRun withHooks(Hooks hooks) {
        this.hooks = hooks;
        return this;
    }

    /**
     * Soak mode: the events of {@link Options#days()} simulated days are produced evenly over {@code duration} while
     * the application runs (instead of all before it starts), and the child's resident set size is sampled every
     * {@code sampleInterval} meanwhile; the run fails if it keeps growing (see {@link #rssVerdict}).
     */
    public VerifyRun withSoak(Duration duration, Duration sampleInterval) {
        this.soak = duration;
        this.rssSampleInterval = sampleInterval;
        return this;
    }

    /**
     * Once everything else is produced, re-send this share of the good events (see {@link OldBatch}): weeks later in
     * production order, each must still be counted once. Default 0 (none).
     */
    public VerifyRun withOldBatch(double share) {
        this.oldBatchShare = share;
        return this;
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

    /** What one run produced, shared with the send callbacks. */
    private static final class Production {
        final ExpectedFigures expected;
        final EventEncoder encoder;
        final KafkaProducer<String, byte[]> producer;
        final Map<Fault, Long> faults = new EnumMap<>(Fault.class);
        /** Where every record that must be dead-lettered landed, from the send callbacks. */
        final Map<String, GeneratedEvent> badAt = new ConcurrentHashMap<>();
        final AtomicReference<Exception> sendFailure = new AtomicReference<>();
        /** The end offset each input partition reached with this run's records, from the send callbacks. */
        final Map<org.apache.kafka.common.TopicPartition, Long> ends = new ConcurrentHashMap<>();

        Production(ExpectedFigures expected, EventEncoder encoder, KafkaProducer<String, byte[]> producer) {
            this.expected = expected;
            this.encoder = encoder;
            this.producer = producer;
        }

        void send(GeneratedEvent e, byte[] bytes) {
            producer.send(new ProducerRecord<>(e.topic(), null, null, e.key(), bytes), (meta, ex) -> {
                if (ex != null) {
                    sendFailure.compareAndSet(null, ex);
                    return;
                }
                ends.merge(new org.apache.kafka.common.TopicPartition(meta.topic(), meta.partition()), meta.offset() + 1,
                        Math::max);
                if (e.fault().expectedReason() != null) badAt.put(at(meta.topic(), meta.partition(), meta.offset()), e);
            });
            expected.accept(e);
            faults.merge(e.fault(), 1L, Long::sum);
        }
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
            // the synthetic market is dated months back and outputs carry event time: with a time-based retention
            // the broker deletes closed segments (alerts, dead letters, inputs) before the check reads them
            Map<String, String> keep = Map.of(org.apache.kafka.common.config.TopicConfig.RETENTION_MS_CONFIG, "-1");
            List<NewTopic> all = new ArrayList<>();
            for (String t : topics.inputs()) all.add(new NewTopic(t, java.util.Optional.of(options.partitions()), java.util.Optional.empty()).configs(keep));
            all.add(new NewTopic(topics.fxRates(), java.util.Optional.of(1), java.util.Optional.empty()).configs(keep));
            for (String t : topics.outputs()) all.add(new NewTopic(t, java.util.Optional.of(options.partitions()), java.util.Optional.empty()).configs(keep));
            a.createTopics(all).all().get();
            awaitLeaders(a, all.stream().map(NewTopic::name).toList(), Duration.ofSeconds(60));

            Instant start = Instant.parse("2026-03-02T00:00:00Z");
            if (start.plus(Duration.ofDays(options.days() + 1)).isAfter(Instant.now())) {
                throw new IllegalArgumentException("--days " + options.days() + " would simulate events in the future"
                        + " (the market starts on " + start + ")");
            }
            ExpectedFigures expected = new ExpectedFigures(config);
            expected.conversionPartitions(options.partitions());
            SyntheticMarket market = new SyntheticMarket(options.seed(), start,
                    topics, ChannelProfile.defaults().stream().map(c -> c.scaled(options.volume())).toList(),
                    new SyntheticMarket.Options(options.badShare(), options.duplicateShare()));
            EventEncoder encoder = new EventEncoder(registry, options.seed());
            List<List<GeneratedEvent>> batches = new ArrayList<>();
            batches.add(market.history());
            for (int h = 0; h < options.days() * 24; h++) batches.add(market.nextHour());
            long total = batches.stream().mapToLong(List::size).sum();
            Random random = new Random(options.seed());

            Properties p = new Properties();
            p.putAll(clientProperties);
            p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
            // one request in flight: a retried batch can never be overtaken (seen on 4.3 brokers: after a
            // NOT_LEADER_OR_FOLLOWER right after topic creation, retries failed with OutOfOrderSequenceException)
            p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
            p.putAll(hooks.producerOverrides());
            int phases = soak != null ? 1 : Math.max(1, hooks.phases());
            List<Long> rss = java.util.Collections.synchronizedList(new ArrayList<>());
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(),
                    new ByteArraySerializer());
                 Instances apps = new Instances(options, settings, runId, log, random)) {
                Production prod = new Production(expected, encoder, producer);
                // fx rates first, every one of them, so that the rates are in the global store before any event is
                // priced (rates are read by a global store that is loaded asynchronously while running)
                for (List<GeneratedEvent> batch : batches) {
                    for (GeneratedEvent e : batch) {
                        if (e.topic().equals(topics.fxRates())) prod.send(e, encoder.encode(e));
                    }
                }
                int perPhase = (batches.size() + phases - 1) / phases;
                if (soak == null) produce(prod, batches.subList(0, Math.min(perPhase, batches.size())), topics.fxRates(), 0);
                producer.flush();
                ChildApp app = apps.startNew();
                Stage stage = new Stage(app, a, config, log);
                log.printf(Locale.ROOT, "verify %s: %d events generated, %d phase(s)%s, %d partitions per topic, app log %s%n",
                        runId, total, phases, soak == null ? "" : ", soak " + soak, options.partitions(), app.log());
                if (soak != null) {
                    Thread sampler = new Thread(() -> sampleRss(app, rss, log), "rss-sampler");
                    sampler.setDaemon(true);
                    sampler.start();
                    try {
                        soak(prod, batches, topics.fxRates(), total, log);
                    } finally {
                        sampler.interrupt();
                        sampler.join(10_000);
                    }
                }
                for (int phase = 1; phase < phases; phase++) {
                    hooks.beforePhase(phase, stage);
                    int from = Math.min(batches.size(), phase * perPhase);
                    produce(prod, batches.subList(from, Math.min(batches.size(), from + perPhase)), topics.fxRates(), phase);
                    producer.flush();
                }
                long oldBatch = resendOldBatch(prod, batches.subList(1, batches.size()), topics.fxRates(), phases - 1,
                        log);
                hooks.afterProduced(stage);
                options.chaos().run(apps);
                String pending;
                try (OutputKeys keys = new OutputKeys(clientProperties, topics.metrics(), expected.metricsKeys())) {
                    pending = Quiescence.await(new Quiescence.Watch(a, config.applicationId(), topics.inputs(),
                            prod.ends, Quiescence.lagFor(config.kafka())), topics.outputs(), keys,
                            Duration.ofSeconds(6), options.timeout());
                }
                OutputSnapshot out = OutputSnapshot.read(config, clientProperties, registry, Duration.ofMinutes(2));
                List<String> mismatches = new ArrayList<>();
                List<String> excess = new ArrayList<>();
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
                        var want = expected.expect(channel, days, m.getAsOf().toEpochMilli());
                        if (options.check() == Check.EXACT) {
                            mismatches.addAll(OutputCheck.compare(want, m));
                        } else {
                            mismatches.addAll(OutputCheck.lowerCounts(want, m));
                            excess.addAll(OutputCheck.compare(want, m));
                        }
                    }
                }
                if (options.check() == Check.EXACT) {
                    mismatches.addAll(OutputCheck.alerts(out.alerts));
                    mismatches.addAll(expected.checkDeadLetters(out.deadLettersByReason()));
                    mismatches.addAll(checkDeadLetterCoordinates(prod.badAt, out.deadLetters));
                } else {
                    List<io.cacstreams.events.ChannelAlert> distinct = OutputCheck.distinctTransitions(out.alerts);
                    if (distinct.size() < out.alerts.size()) {
                        excess.add((out.alerts.size() - distinct.size()) + " alert transitions repeated");
                    }
                    mismatches.addAll(OutputCheck.alerts(distinct));
                    for (String d : expected.checkDeadLetters(out.deadLettersByReason())) {
                        (d.contains("was") && isAbove(d) ? excess : mismatches).add(d);
                    }
                }
                if (prod.sendFailure.get() != null) {
                    mismatches.add(0, "a send of the input stream failed, so the inputs are not what was generated: "
                            + prod.sendFailure.get());
                }
                mismatches.addAll(apps.notRunning());
                List<Long> samples = List.copyOf(rss);
                return new Summary(expected.produced(), prod.faults.getOrDefault(Fault.NONE, 0L),
                        prod.faults.getOrDefault(Fault.DUPLICATE, 0L), prod.faults, out.deadLettersByReason(), checked,
                        mismatches, out.alerts.size(), apps.restarts, pending, apps.all().size(), apps.kills,
                        excess, List.copyOf(apps.events), apps.all().stream().map(ChildApp::log).toList(), samples,
                        soak == null ? null : rssVerdict(samples), oldBatch);
            }
        }
    }

    /**
     * Waits until every partition of {@code topics} has a leader, so that the first sends do not meet
     * NOT_LEADER_OR_FOLLOWER (a freshly created topic is announced before its leader serves it).
     */
    public static void awaitLeaders(Admin admin, List<String> topics, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String missing = null;
            try {
                for (var d : admin.describeTopics(topics).allTopicNames().get().values()) {
                    for (var p : d.partitions()) {
                        if (p.leader() == null || p.leader().isEmpty()) missing = d.name() + "-" + p.partition();
                    }
                }
            } catch (java.util.concurrent.ExecutionException e) {
                missing = e.getCause().toString();
            }
            if (missing == null) return;
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no leader for " + missing + " within " + timeout);
            }
            Thread.sleep(100);
        }
    }

    /** A dead-letter line of {@link ExpectedFigures#checkDeadLetters}: is the actual count above the expected range? */
    private static boolean isAbove(String line) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("expected (\\d+)(?: to (\\d+))?, was (\\d+)").matcher(line);
        if (!m.find()) return false;
        long hi = Long.parseLong(m.group(2) != null ? m.group(2) : m.group(1));
        return Long.parseLong(m.group(3)) > hi;
    }

    private void produce(Production prod, List<List<GeneratedEvent>> batches, String fxTopic, int phase) {
        for (List<GeneratedEvent> batch : batches) {
            for (GeneratedEvent e : batch) {
                if (!e.topic().equals(fxTopic)) prod.send(e, hooks.encode(e, prod.encoder.encode(e), phase));
            }
        }
    }

    /** Sends the old batch ({@link OldBatch}) of the simulated hours' events, encoded as in {@code phase}. */
    private long resendOldBatch(Production prod, List<List<GeneratedEvent>> hours, String fxTopic, int phase,
                                PrintStream log) {
        if (oldBatchShare == 0) return 0;
        List<GeneratedEvent> old = OldBatch.pick(hours.stream().flatMap(List::stream).toList(), oldBatchShare,
                options.seed(), fxTopic);
        for (GeneratedEvent e : old) prod.send(e, hooks.encode(e, prod.encoder.encode(e), phase));
        prod.producer.flush();
        log.printf(Locale.ROOT, "  old batch: %d events re-sent after all others%s%n", old.size(), old.isEmpty() ? ""
                : ", dated " + Instant.ofEpochMilli(old.get(0).occurredAt()) + " to "
                + Instant.ofEpochMilli(old.get(old.size() - 1).occurredAt()));
        return old.size();
    }

    /** Produces every event evenly over the soak duration (bounded: it never takes much longer than that). */
    private void soak(Production prod, List<List<GeneratedEvent>> batches, String fxTopic, long total, PrintStream log)
            throws InterruptedException {
        long began = System.nanoTime();
        long duration = soak.toNanos();
        long n = 0;
        for (List<GeneratedEvent> batch : batches) {
            for (GeneratedEvent e : batch) {
                if (e.topic().equals(fxTopic)) continue;
                prod.send(e, hooks.encode(e, prod.encoder.encode(e), 0));
                n++;
                long due = began + (long) ((double) n / total * duration);
                long wait = due - System.nanoTime();
                if (wait > 1_000_000) Thread.sleep(wait / 1_000_000);
            }
        }
        prod.producer.flush();
        log.printf(Locale.ROOT, "  soak: %d events produced in %d s%n", n, (System.nanoTime() - began) / 1_000_000_000L);
    }

    private void sampleRss(ChildApp app, List<Long> samples, PrintStream log) {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                Thread.sleep(rssSampleInterval.toMillis());
                long kb = rssKb(app.pid());
                if (kb > 0) {
                    samples.add(kb);
                    log.printf(Locale.ROOT, "  rss %d MiB%n", kb / 1024);
                }
            }
        } catch (InterruptedException e) {
            // soak over
        }
    }

    /** VmRSS of process {@code pid} in KiB, from /proc (Linux); -1 if unknown. */
    public static long rssKb(long pid) {
        try {
            for (String line : java.nio.file.Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        } catch (java.io.IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    /** Allowed growth of the median RSS from the middle third of the samples to the last third. */
    static final double RSS_GROWTH_FACTOR = 1.10;
    static final long RSS_GROWTH_SLACK_KB = 24 * 1024;

    /**
     * Null if the resident set size levels off: the median of the last third of the samples is at most 10% plus
     * 24 MiB above the median of the middle third (the first third is start-up and warm-up). Else why not.
     */
    public static String rssVerdict(List<Long> samplesKb) {
        if (samplesKb.size() < 6) return "too few RSS samples (" + samplesKb.size() + ") to judge memory growth";
        int third = samplesKb.size() / 3;
        long middle = median(samplesKb.subList(third, 2 * third));
        long last = median(samplesKb.subList(samplesKb.size() - third, samplesKb.size()));
        long limit = (long) (middle * RSS_GROWTH_FACTOR) + RSS_GROWTH_SLACK_KB;
        if (last <= limit) return null;
        return String.format(Locale.ROOT, "RSS keeps growing: median of the last third %d MiB > %d MiB (middle third"
                + " %d MiB + 10%% + 24 MiB)", last / 1024, limit / 1024, middle / 1024);
    }

    private static long median(List<Long> xs) {
        List<Long> s = new ArrayList<>(xs);
        s.sort(null);
        return s.get(s.size() / 2);
    }

    /**
     * Every dead letter must name the coordinates of a record produced as bad, with the reason its fault calls for,
     * and once; every bad record must be there, except churns of never-seen customers still held at the end (their
     * number is checked by {@link ExpectedFigures#checkDeadLetters}).
     */
    static List<String> checkDeadLetterCoordinates(Map<String, GeneratedEvent> badAt, List<DeadLetter> deadLetters) {
        List<String> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (DeadLetter d : deadLetters) {
            String where = at(d.getSourceTopic(), d.getSourcePartition(), d.getSourceOffset());
            if (!seen.add(where)) {
                out.add("dead letter " + where + " (" + d.getReason() + ") appears twice");
                continue;
            }
            GeneratedEvent e = badAt.get(where);
            if (e == null) {
                out.add("dead letter " + where + " (" + d.getReason() + ": " + d.getDetail()
                        + ") is not a record produced as bad");
            } else if (e.fault().expectedReason() != d.getReason()) {
                out.add("dead letter " + where + ": reason " + d.getReason() + ", expected "
                        + e.fault().expectedReason() + " for " + e.fault());
            }
        }
        badAt.forEach((where, e) -> {
            if (!seen.contains(where) && e.fault() != Fault.UNKNOWN_CUSTOMER) {
                out.add("bad record " + where + " (" + e.fault() + ") has no dead letter");
            }
        });
        return out;
    }
}
