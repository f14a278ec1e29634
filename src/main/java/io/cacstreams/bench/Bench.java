package io.cacstreams.bench;

import io.cacstreams.config.AppConfig;
import io.cacstreams.config.TopicNames;
import io.cacstreams.generator.EventEncoder;
import io.cacstreams.serde.SchemaRegistryClient;
import io.cacstreams.verify.RunTopics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The measurements of issue 9, in one run, on topics of the bench's own ({@code cac-bench-<run>-...}, 6 partitions,
 * {@code retention.ms=-1}, left for inspection):
 * <ol>
 *   <li>the backlog: {@code --events} input events of the synthetic market, produced before anything reads them;</li>
 *   <li>the plain consumer on the backlog (best of {@link #PLAIN_PASSES} passes);</li>
 *   <li>the engine's floor on the backlog ({@link EngineFloor}), in this JVM;</li>
 *   <li>{@code run} under exactly_once_v2 then at_least_once, each a child JVM with a fresh application id and
 *       outputs of its own, timed from RUNNING until drained ({@link Drain}), then stopped cleanly to measure its
 *       state directory; its peak RSS is read just before;</li>
 *   <li>with {@code --scale-check}, exactly-once again on a backlog 4 times as long;</li>
 *   <li>the latency phase: a fresh child ({@code metrics.recording.level=DEBUG}, for the task metrics) on topics of
 *       its own, fed at {@code --rate} for {@code --latency-duration} ({@link LatencyProbe}), then drained; its
 *       {@code /metrics} give the records processed per task ({@link TaskLoad}).</li>
 * </ol>
 */
public final class Bench {
    static final int PARTITIONS = 6;
    static final int PLAIN_PASSES = 2;
    static final String EOS = StreamsConfig.EXACTLY_ONCE_V2;
    static final String ALOS = StreamsConfig.AT_LEAST_ONCE;
    /**
     * at_least_once commits every 30 s by default: the drain (read from committed offsets) would show up to 30 s
     * late. The bench's at-least-once run commits every second unless {@code commit.interval.ms} is set.
     */
    static final String ALOS_COMMIT_INTERVAL_MS = "1000";
    private static final Duration RUNNING_TIMEOUT = Duration.ofMinutes(3);

    private final BenchOptions options;
    private final Map<String, String> base;
    private final Map<String, Object> clients;
    private final String stack;

    /**
     * @param base    the cluster and registry ({@code bootstrap.servers}, {@code cac.registry.url}, security) and the
     *                user's settings for every child
     * @param clients settings of the bench's own admin, producer and consumer clients
     * @param stack   what the bench runs on, for the report
     */
    public Bench(BenchOptions options, Map<String, String> base, Map<String, Object> clients, String stack) {
        this.options = options;
        this.base = Map.copyOf(base);
        this.clients = Map.copyOf(clients);
        this.stack = stack;
    }

    public BenchReport run(PrintStream log) throws Exception {
        Instant startedAt = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        String runId = Long.toString(System.currentTimeMillis(), 36);
        String prefix = "cac-bench-" + runId + "-";
        AppConfig config = AppConfig.from(base);
        try (Admin admin = Admin.create(props(clients));
             SchemaRegistryClient registry = SchemaRegistryClient.create(config.registry());
             KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props(producerSettings()),
                     new StringSerializer(), new ByteArraySerializer())) {
            EventEncoder encoder = new EventEncoder(registry, options.seed());
            TopicNames backlog = topics(prefix + "n-", "");
            createTopics(admin, backlog.inputs(), backlog.fxRates());
            log.printf(Locale.ROOT, "bench %s: producing %,d events into %s*%n", runId, options.events(),
                    prefix + "n-");
            InputLoad.Produced produced = InputLoad.backlog(producer, encoder, backlog, options.events(),
                    options.seed());
            log.printf(Locale.ROOT, "  produced %,d events and %,d fx rates in %.1f s%n", produced.events(),
                    produced.fxRates(), produced.seconds());

            List<Double> passes = new ArrayList<>();
            PlainConsumerRate.Pass best = null;
            for (int i = 0; i < PLAIN_PASSES; i++) {
                PlainConsumerRate.Pass p = PlainConsumerRate.measure(clients,
                        () -> SchemaRegistryClient.create(config.registry()), backlog, options.timeout());
                if (p.records() != produced.events()) {
                    throw new IllegalStateException("the plain consumer read " + p.records() + " records, "
                            + produced.events() + " were produced");
                }
                passes.add(p.perSecond());
                if (best == null || p.perSecond() > best.perSecond()) best = p;
                log.printf(Locale.ROOT, "  plain consumer pass %d: %,d records in %.2f s, %,.0f records/s%n", i + 1,
                        p.records(), p.seconds(), p.perSecond());
            }
            BenchReport.Plain plain = new BenchReport.Plain(best.records(), best.seconds(), best.perSecond(), passes);
            BenchReport.Floor floor = floor(admin, registry, prefix, backlog, produced, plain, log);

            List<BenchReport.Run> runs = new ArrayList<>();
            runs.add(backlogRun(admin, prefix, "exactly_once_v2", EOS, backlog, produced, plain, log));
            runs.add(backlogRun(admin, prefix, "at_least_once", ALOS, backlog, produced, plain, log));
            BenchReport.Run eos4 = null;
            if (options.scaleCheck()) {
                TopicNames big = topics(prefix + "4n-", "");
                createTopics(admin, big.inputs(), big.fxRates());
                log.printf(Locale.ROOT, "  producing %,d events into %s*%n", 4 * options.events(), prefix + "4n-");
                InputLoad.Produced p4 = InputLoad.backlog(producer, encoder, big, 4 * options.events(),
                        options.seed());
                eos4 = backlogRun(admin, prefix, "exactly_once_v2 (4x events)", EOS, big, p4, plain, log);
                runs.add(eos4);
            }

            BenchReport.Latency latency = null;
            TaskLoad tasks = null;
            if (!options.latencyFor().isZero()) {
                LatencyPhase phase = latencyPhase(admin, registry, producer, encoder, prefix, config, log);
                latency = phase.latency();
                tasks = phase.tasks();
            }
            BenchReport.Run eos = runs.get(0);
            return new BenchReport(startedAt.toString(), new BenchReport.Environment(
                    Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), stack,
                    options.childJvmArgs()), produced.events(), produced.fxRates(), produced.seconds(), plain, floor,
                    runs, latency, tasks, BenchReport.targets(plain, eos, eos4, latency, tasks));
        }
    }

    /** The engine's floor on the backlog, in this JVM ({@link EngineFloor}). */
    private BenchReport.Floor floor(Admin admin, SchemaRegistryClient registry, String prefix, TopicNames backlog,
                                    InputLoad.Produced produced, BenchReport.Plain plain, PrintStream log)
            throws Exception {
        String id = prefix + "floor";
        createTopics(admin, List.of(id + "-out"));
        log.printf(Locale.ROOT, "  Kafka Streams floor: starting%n");
        EngineFloor.Result r = EngineFloor.measure(clients, registry, backlog, produced.events(), id, id + "-out",
                PARTITIONS, options.workDir().resolve("state-floor"), options.timeout());
        log.printf(Locale.ROOT, "  Kafka Streams floor: %,d events in %.1f s, %,.0f events/s%n", r.events(),
                r.seconds(), r.eventsPerSecond());
        return new BenchReport.Floor(r.events(), r.seconds(), r.eventsPerSecond(),
                r.eventsPerSecond() / plain.recordsPerSecond());
    }

    /** One run on a backlog: a child from RUNNING to drained, stopped cleanly, measured. */
    private BenchReport.Run backlogRun(Admin admin, String prefix, String label, String guarantee, TopicNames inputs,
                                       InputLoad.Produced produced, BenchReport.Plain plain, PrintStream log)
            throws Exception {
        String name = label.replaceAll("[^a-z0-9]+", "-").replaceAll("-$", "");
        TopicNames topics = topics(inputs, prefix + name + "-");
        createTopics(admin, topics.outputs());
        Map<String, String> settings = childSettings(prefix + name, topics, guarantee);
        try (ChildRun child = new ChildRun(options.jar(), settings, options.workDir().resolve("state-" + name),
                options.workDir().resolve("bench-" + name + ".log"), options.childJvmArgs())) {
            log.printf(Locale.ROOT, "  run %s: starting (log %s)%n", label, child.log());
            long launched = child.start();
            long running = child.awaitRunning(RUNNING_TIMEOUT);
            long drained = Drain.await(admin, settings, topics.inputs(), produced.ends(), topics.outputs(), settle(),
                    options.timeout(), child, log);
            long peakKb = child.peakRssKb();
            int exit = child.stop();
            long state = child.stateBytes();
            child.deleteState();
            double seconds = (drained - running) / 1e9;
            double rate = produced.events() / seconds;
            log.printf(Locale.ROOT, "  run %s: %,d events in %.1f s (startup %.1f s), %,.0f events/s, state %,d bytes,"
                            + " peak RSS %d MiB, exit %d%n", label, produced.events(), seconds,
                    (running - launched) / 1e9, rate, state, peakKb / 1024, exit);
            return new BenchReport.Run(label, guarantee, settings.get("application.id"), produced.events(),
                    (running - launched) / 1e9, seconds, rate, rate / plain.recordsPerSecond(), state,
                    (double) state / produced.events(), peakKb / 1024);
        }
    }

    private record LatencyPhase(BenchReport.Latency latency, TaskLoad tasks) {
    }

    private LatencyPhase latencyPhase(Admin admin, SchemaRegistryClient registry,
                                      KafkaProducer<String, byte[]> producer, EventEncoder encoder, String prefix,
                                      AppConfig config, PrintStream log) throws Exception {
        TopicNames topics = topics(prefix + "lat-", "");
        createTopics(admin, topics.inputs(), topics.fxRates());
        createTopics(admin, topics.outputs());
        Map<String, String> settings = childSettings(prefix + "latency", topics, EOS);
        settings.putIfAbsent(StreamsConfig.METRICS_RECORDING_LEVEL_CONFIG, "DEBUG");
        try (ChildRun child = new ChildRun(options.jar(), settings, options.workDir().resolve("state-latency"),
                options.workDir().resolve("bench-latency.log"), options.childJvmArgs());
             LatencyProbe probe = new LatencyProbe(clients, registry, topics.metrics())) {
            log.printf(Locale.ROOT, "  latency: starting (log %s)%n", child.log());
            child.start();
            child.awaitRunning(RUNNING_TIMEOUT);
            // the customer base first, then a second's worth of events dated now, or more until every input partition
            // has some (the months between are settled then), unpaced and processed before the clock starts: the timed stream is then the market's usual mix
            // (spend, leads, conversions, churns of those customers) on a topology that has caught up
            InputLoad.LiveMarket market = new InputLoad.LiveMarket(producer, encoder, topics, options.seed());
            Drain.await(admin, settings, topics.inputs(), market.preload(), topics.outputs(), settle(),
                    options.timeout(), child, log);
            Drain.await(admin, settings, topics.inputs(), market.warmUp(options.rate(), PARTITIONS), topics.outputs(),
                    settle(), options.timeout(), child, log);
            probe.start();
            log.printf(Locale.ROOT, "  latency: producing %,d events/s for %d s%n", options.rate(),
                    options.latencyFor().toSeconds());
            InputLoad.Live live = market.stream(options.rate(), options.latencyFor());
            Drain.await(admin, settings, topics.inputs(), live.ends(), topics.outputs(), settle(),
                    options.timeout(), child, log);
            TaskLoad tasks = TaskLoad.parse(child.scrape());
            child.stop();
            child.deleteState();
            List<LatencyProbe.Arrival> arrivals = probe.arrivals();
            LatencyProbe.Latencies l = LatencyProbe.measure(live, arrivals);
            log.printf(Locale.ROOT, "  latency: p50 %d ms, p99 %d ms over %,d of %,d events, %,d metrics records%n",
                    l.p50Ms(), l.p99Ms(), l.events(), live.sent(), arrivals.size());
            return new LatencyPhase(new BenchReport.Latency(options.rate(), options.latencyFor().toMillis() / 1e3,
                    live.sent(), l.events(), l.unreflected(), l.p50Ms(), l.p99Ms(), l.maxMs(),
                    AppConfig.from(settings).emitInterval().toMillis(), arrivals.size()), tasks);
        }
    }

    /** Outputs must be still for two emit intervals and a second (the last emission follows the last input). */
    private Duration settle() {
        Duration emit = AppConfig.from(base).emitInterval();
        Duration s = emit.multipliedBy(2).plusSeconds(1);
        return s.compareTo(Duration.ofSeconds(3)) < 0 ? Duration.ofSeconds(3) : s;
    }

    private Map<String, String> childSettings(String applicationId, TopicNames topics, String guarantee) {
        Map<String, String> s = new TreeMap<>(base);
        s.put("application.id", applicationId);
        s.put("cac.topic.spend", topics.spend());
        s.put("cac.topic.leads", topics.leads());
        s.put("cac.topic.conversions", topics.conversions());
        s.put("cac.topic.churn", topics.churn());
        s.put("cac.topic.fx", topics.fxRates());
        s.put("cac.topic.metrics", topics.metrics());
        s.put("cac.topic.alerts", topics.alerts());
        s.put("cac.topic.deadletter", topics.deadLetter());
        s.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee);
        if (guarantee.equals(ALOS)) s.putIfAbsent(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, ALOS_COMMIT_INTERVAL_MS);
        return s;
    }

    /** Inputs named {@code <inputs>marketing-spend} etc., outputs {@code <outputs>channel-metrics} etc. */
    private static TopicNames topics(String inputs, String outputs) {
        TopicNames d = TopicNames.defaults();
        String out = outputs.isEmpty() ? inputs : outputs;
        return new TopicNames(inputs + d.spend(), inputs + d.leads(), inputs + d.conversions(), inputs + d.churn(),
                inputs + d.fxRates(), out + d.metrics(), out + d.alerts(), out + d.deadLetter());
    }

    /** The inputs of {@code inputs} with outputs of their own. */
    private static TopicNames topics(TopicNames inputs, String outputs) {
        TopicNames d = TopicNames.defaults();
        return new TopicNames(inputs.spend(), inputs.leads(), inputs.conversions(), inputs.churn(), inputs.fxRates(),
                outputs + d.metrics(), outputs + d.alerts(), outputs + d.deadLetter());
    }

    /** Creates the topics and waits for their leaders (a send right after creation can meet none). */
    private static void createTopics(Admin admin, List<String> topics, String... more) throws Exception {
        Map<String, String> keep = Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1");
        List<String> names = new ArrayList<>(topics);
        names.addAll(List.of(more));
        admin.createTopics(names.stream().map(t -> new NewTopic(t, Optional.of(PARTITIONS), Optional.empty())
                .configs(keep)).toList()).all().get();
        RunTopics.awaitLeaders(admin, names, Duration.ofSeconds(60));
    }

    private Map<String, Object> producerSettings() {
        Map<String, Object> p = new TreeMap<>(clients);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        return p;
    }

    private static Properties props(Map<String, Object> m) {
        Properties p = new Properties();
        p.putAll(m);
        return p;
    }
}
