package io.cacstreams.devstack;

import io.cacstreams.config.AppConfig;
import io.cacstreams.config.TopicSetup;
import io.cacstreams.config.TopicNames;
import io.cacstreams.events.ChannelAlert;
import io.cacstreams.events.ChannelMetrics;
import io.cacstreams.generator.GeneratorRunner;
import io.cacstreams.generator.MarketPace;
import io.cacstreams.generator.SyntheticMarket;
import io.cacstreams.report.AlertReport;
import io.cacstreams.report.AlertReportRun;
import io.cacstreams.runtime.StreamsApp;
import io.cacstreams.runtime.StreamsRuntime;
import io.cacstreams.runtime.TopologySource;
import io.cacstreams.serde.RegistryAvroSerde;
import io.cacstreams.serde.SchemaRegistryClient;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * The whole demo in one process: a real Kafka broker in this JVM ({@link EmbeddedKafka}), Apicurio Registry as a
 * child process ({@link ApicurioProcess}), cac-streams itself ({@link StreamsApp}, exactly as {@code run} starts it),
 * a synthetic market, and a live table per channel on the console ({@link ConsoleDashboard}). Ctrl-C stops it all
 * and deletes the temporary state.
 */
public final class DemoStack {
    private static final Logger log = LoggerFactory.getLogger(DemoStack.class);

    /**
     * What the demo runs.
     *
     * @param settings    the user's settings (file, environment, flags); they win over the demo's own defaults
     *                    ({@code application.id=cac-demo}, topics created, replication 1), but not over the broker
     *                    and registry addresses, which are the embedded ones
     * @param market      the synthetic market's pace and seed; null: no generator (an idle stack for one's own
     *                    producers)
     * @param dataDir     where the broker's data and the state are kept between runs; null: a temp dir, deleted
     * @param registryDir where Apicurio Registry's runner jar is; null: {@code apicurio} next to this jar
     * @param windowDays  the window shown in the table
     * @param duration    stop by itself after this long; null: until Ctrl-C
     * @param plain       print snapshots rather than redraw the table in place
     * @param report      run the alert report instead of the live demo ({@link AlertReportRun}: the market at full
     *                    speed from a fixed date, {@code market}'s seed, no table), print it and write it as JSON
     *                    into {@code reportDir}; null: the live demo
     */
    public record Options(Map<String, String> settings, MarketPace market, Path dataDir, Path registryDir,
                          int windowDays, Duration duration, boolean plain, AlertReportRun.Options report,
                          Path reportDir) {
        public Options {
            settings = Map.copyOf(settings);
        }
    }

    private final Options options;
    private final PrintWriter out;
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private Path root;

    private DemoStack(Options options, PrintWriter out) {
        this.options = options;
        this.out = out;
    }

    /** Runs until Ctrl-C, the duration or a Kafka Streams failure; 0, or 1 if Kafka Streams failed. */
    public static int run(Options options, PrintWriter out) throws Exception {
        return new DemoStack(options, out).run();
    }

    private int run() throws Exception {
        boolean keep = options.dataDir() != null;
        root = keep ? Files.createDirectories(options.dataDir()) : Files.createTempDirectory("cac-demo");
        Thread hook = new Thread(this::shutdown, "cac-demo-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            out.println("starting an embedded Kafka broker and a schema registry...");
            out.flush();
            EmbeddedKafka kafka = open(EmbeddedKafka.builder().dataDir(root.resolve("kafka")).start());
            ApicurioProcess registryProcess = open(ApicurioProcess.start(
                    options.registryDir() != null ? options.registryDir() : defaultRegistryDir(),
                    root.resolve("apicurio.log"), ApicurioProcess.DEFAULT_STARTUP_TIMEOUT));
            AppConfig cfg = AppConfig.from(settings(kafka, registryProcess));
            kafka.createTopics(topicsKeepingEverything(cfg));
            SchemaRegistryClient registry = open(SchemaRegistryClient.create(cfg.registry()));
            StreamsApp app = open(StreamsApp.start(cfg, TopologySource.CAC, registry,
                    StreamsApp.Options.defaults().forDemo()));
            if (options.report() != null) return report(kafka, registry, cfg, app);

            ConsoleDashboard dashboard = new ConsoleDashboard(options.windowDays(),
                    !options.plain() && System.console() != null);
            Thread reader = outputReader(cfg.topics(), kafka, registry, dashboard);
            resources.add(() -> reader.join(5000));
            GeneratorRunner generator = options.market() == null ? null
                    : startGenerator(kafka, registry, cfg.topics(), options.market());

            String header = "cac-streams demo | bootstrap.servers=" + kafka.bootstrapServers() + " | registry "
                    + registryProcess.ccompatUrl() + " | metrics http://" + cfg.ops().host() + ":" + app.opsPort()
                    + "/metrics | Ctrl-C to stop";
            out.println(header);
            app.dashboardUrl().ifPresent(url -> out.println("dashboard " + url + " (live figures, charts and alerts;"
                    + " API: " + url + "api/openapi.json)"));
            out.println(options.market() == null ? "no generator: produce your own events (see README, 'The contracts')"
                    : "generating a synthetic market at " + options.market().speed() + "x (one simulated day every "
                    + String.format(Locale.ROOT, "%.1f", 86_400 / options.market().speed()) + " s)");
            out.flush();
            showUntilStopped(app, dashboard, header);
            if (generator != null && generator.failure() != null) {
                out.println("generator failed: " + generator.failure());
            }
            return app.health().errorSeen() ? StreamsRuntime.EXIT_FAILED : StreamsRuntime.EXIT_OK;
        } finally {
            shutdown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is already running
            }
        }
    }

    /** The alert report on the running stack: its figures are the report's, the exit code says whether it ran. */
    private int report(EmbeddedKafka kafka, SchemaRegistryClient registry, AppConfig cfg, StreamsApp app)
            throws Exception {
        AlertReportRun.Options o = options.report();
        out.printf(Locale.ROOT, "alert report: %d simulated days of the synthetic market at full speed through"
                + " cac-streams (application id %s)%n", o.days(), cfg.applicationId());
        out.flush();
        AlertReport report = new AlertReportRun(o, kafka.clientProperties(), cfg, registry,
                "in-JVM Kafka broker + Apicurio Registry (the demo's stack)").run(out);
        out.println();
        report.print(out);
        out.println("JSON: " + report.write(options.reportDir()) + " (and "
                + options.reportDir().resolve("alert-report-latest.json") + ")");
        out.flush();
        return app.health().errorSeen() ? StreamsRuntime.EXIT_FAILED : StreamsRuntime.EXIT_OK;
    }

    /** Closed in reverse order by {@link #shutdown}. */
    private <T extends AutoCloseable> T open(T resource) {
        resources.add(resource);
        return resource;
    }

    private Map<String, String> settings(EmbeddedKafka kafka, ApicurioProcess registryProcess) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("application.id", options.report() == null ? "cac-demo" : "cac-alert-report");
        // the report reads the outputs itself: the query view's sub-topology would only compete for the cores
        if (options.report() != null) settings.put("cac.query.enabled", "false");
        settings.put("state.dir", root.resolve("state").toString());
        settings.put("cac.topics.create", "true");
        settings.put("replication.factor", "1");
        settings.putAll(options.settings());
        settings.put("bootstrap.servers", kafka.bootstrapServers());
        settings.put("cac.registry.url", registryProcess.ccompatUrl());
        return settings;
    }

    /**
     * The simulated market is dated up to a year back and outputs carry event time: with the default retention (7
     * days, judged by record timestamps) the broker would delete closed segments under the application's feet, so
     * the demo's topics keep everything (they live in a temporary directory).
     */
    private static List<NewTopic> topicsKeepingEverything(AppConfig cfg) {
        TopicNames topics = cfg.topics();
        List<NewTopic> out = new ArrayList<>();
        for (String t : List.of(topics.spend(), topics.leads(), topics.conversions(), topics.churn(),
                topics.fxRates(), topics.metrics(), topics.alerts(), topics.deadLetter())) {
            Map<String, String> configs = new HashMap<>(TopicSetup.requiredConfigs(topics, t));
            configs.put(TopicConfig.RETENTION_MS_CONFIG, "-1");
            out.add(new NewTopic(t, Optional.of(cfg.topicSetup().partitions()), Optional.empty()).configs(configs));
        }
        return out;
    }

    private GeneratorRunner startGenerator(EmbeddedKafka kafka, SchemaRegistryClient registry, TopicNames topics,
                                           MarketPace pace) {
        Properties p = new Properties();
        p.putAll(kafka.clientProperties());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        KafkaProducer<String, byte[]> producer = open(new KafkaProducer<>(p, new StringSerializer(),
                new ByteArraySerializer()));
        // simulated time starts a year back and never overtakes the clock (brokers refuse future timestamps)
        GeneratorRunner generator = pace.runner(producer, registry, topics, 365, SyntheticMarket.Options.defaults(),
                Long.MAX_VALUE);
        Thread t = new Thread(generator, "cac-demo-generator");
        t.setDaemon(true);
        resources.add(() -> {
            generator.stop();
            t.join(5000);
        });
        t.start();
        return generator;
    }

    private void showUntilStopped(StreamsApp app, ConsoleDashboard dashboard, String header)
            throws InterruptedException {
        long began = System.nanoTime();
        long lastPlain = 0;
        while (!stopping.get()) {
            if (options.duration() != null && System.nanoTime() - began > options.duration().toNanos()) break;
            if (app.health().errorSeen()) {
                out.println("Kafka Streams failed; see the log above");
                break;
            }
            if (dashboard.hasMetrics()) {
                if (!options.plain() && System.console() != null) {
                    dashboard.print(System.out, header);
                } else if (System.nanoTime() - lastPlain > 10_000_000_000L) {
                    lastPlain = System.nanoTime();
                    out.print(dashboard.render(header));
                    out.flush();
                }
            }
            if (stopped.await(1, TimeUnit.SECONDS)) break;
        }
    }

    private void shutdown() {
        if (!stopping.compareAndSet(false, true)) return;
        out.println("\nstopping the demo...");
        out.flush();
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                log.warn("closing {}: {}", resources.get(i), e.toString());
            }
        }
        if (options.dataDir() == null && root != null) deleteTree(root);
        stopped.countDown();
    }

    private Thread outputReader(TopicNames topics, EmbeddedKafka kafka, SchemaRegistryClient registry,
                                ConsoleDashboard dashboard) {
        Properties p = new Properties();
        p.putAll(kafka.clientProperties());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "cac-demo-console");
        var metrics = new RegistryAvroSerde<>(registry, ChannelMetrics.class, false, false).deserializer();
        var alerts = new RegistryAvroSerde<>(registry, ChannelAlert.class, false, false).deserializer();
        boolean ansi = System.console() != null;
        Thread t = new Thread(() -> {
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                    new ByteArrayDeserializer())) {
                c.subscribe(List.of(topics.metrics(), topics.alerts()));
                while (!stopping.get()) {
                    for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                        if (r.topic().equals(topics.metrics())) {
                            dashboard.onMetrics(metrics.deserialize(r.topic(), r.value()));
                        } else {
                            ChannelAlert a = alerts.deserialize(r.topic(), r.value());
                            dashboard.onAlert(a);
                            if (!ansi) {
                                out.println(ConsoleDashboard.line(a));
                                out.flush();
                            }
                        }
                    }
                }
            } catch (RuntimeException e) {
                if (!stopping.get()) log.error("reading the outputs failed: {}", e.toString());
            }
        }, "cac-demo-console");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** target/apicurio next to target/cac-streams.jar, where the build unpacks it. */
    private static Path defaultRegistryDir() {
        try {
            Path jar = Path.of(DemoStack.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return jar.getParent().resolve("apicurio");
        } catch (URISyntaxException e) {
            return Path.of("target", "apicurio");
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            log.warn("could not delete {}: {}", root, e.toString());
        }
    }
}
