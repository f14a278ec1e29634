package io.cacstreams.app;

import io.cacstreams.config.AppConfig;
import io.cacstreams.config.StateSettings;
import io.cacstreams.config.Durations;
import io.cacstreams.events.ChannelAlert;
import io.cacstreams.events.ChannelMetrics;
import io.cacstreams.generator.GeneratorRunner;
import io.cacstreams.generator.SyntheticMarket;
import io.cacstreams.query.QueryServer;
import io.cacstreams.query.ViewMetrics;
import io.cacstreams.serde.RegistryAvroSerde;
import io.cacstreams.serde.SchemaRegistryClient;
import io.cacstreams.topology.CacTopology;
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
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * Everything in one command: a real Kafka broker in this JVM (KRaft, Apache Kafka's test kit), Apicurio Registry
 * as a child process, the topology, a synthetic market, and a live table per channel on the console. Ctrl-C stops
 * it all and deletes the temporary state.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run an embedded Kafka broker, a schema registry, cac-streams and a synthetic market, "
                + "with a live table of channel economics.")
final class DemoCommand implements java.util.concurrent.Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(DemoCommand.class);

    @Mixin
    ConfigOptions options = new ConfigOptions();

    @Mixin
    MarketOptions market = new MarketOptions();

    @Option(names = "--no-generator", description = "Leave the stack idle for your own producers.")
    boolean noGenerator;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Keep the broker's data and the state here between runs (default: a temp dir, deleted on exit).")
    Path dataDir;

    @Option(names = "--registry-dir", paramLabel = "DIR",
            description = "Where Apicurio Registry's runner jar is (default: target/apicurio next to this jar).")
    Path registryDir;

    @Option(names = "--window", defaultValue = "7", description = "Window (days) shown in the table (default ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--duration", paramLabel = "DURATION", description = "Stop by itself after this long (e.g. 5m).")
    String duration;

    @Option(names = "--plain", description = "Print snapshots instead of redrawing the table in place.")
    boolean plain;

    @Spec
    CommandSpec spec;

    private final Map<String, String> env;

    DemoCommand(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Duration limit = duration == null ? null : Durations.parse("--duration", duration);
        boolean keep = dataDir != null;
        Path root = keep ? Files.createDirectories(dataDir) : Files.createTempDirectory("cac-demo");
        Path apicurioDir = registryDir != null ? registryDir : defaultRegistryDir();
        List<AutoCloseable> resources = new ArrayList<>();
        AtomicBoolean stopping = new AtomicBoolean();
        CountDownLatch stopped = new CountDownLatch(1);
        Runnable shutdown = () -> {
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
            if (!keep) deleteTree(root);
            stopped.countDown();
        };
        Thread hook = new Thread(shutdown, "cac-demo-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            out.println("starting an embedded Kafka broker and a schema registry...");
            out.flush();
            EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(root.resolve("kafka")).start();
            resources.add(kafka);
            ApicurioProcess registryProcess = ApicurioProcess.start(apicurioDir, root.resolve("apicurio.log"),
                    ApicurioProcess.DEFAULT_STARTUP_TIMEOUT);
            resources.add(registryProcess);

            Map<String, String> settings = new LinkedHashMap<>();
            settings.put("application.id", "cac-demo");
            settings.put("state.dir", root.resolve("state").toString());
            settings.put("cac.topics.create", "true");
            settings.put("replication.factor", "1");
            settings.putAll(options.settings(env));
            settings.put("bootstrap.servers", kafka.bootstrapServers());
            settings.put("cac.registry.url", registryProcess.ccompatUrl());
            String partitions = Integer.toString(AppConfig.from(settings).topicSetup().partitions());
            for (String role : StateSettings.InputPartitions.ROLES) {
                settings.putIfAbsent("cac." + role + ".partitions", partitions);
            }
            AppConfig cfg = AppConfig.from(settings);
            var topics = cfg.topics();
            // the simulated market is dated up to a year back and outputs carry event time: with the default
            // retention (7 days, judged by record timestamps) the broker would delete closed segments under the
            // application's feet, so the demo's topics keep everything (they live in a temporary directory)
            List<NewTopic> demoTopics = new ArrayList<>();
            for (String t : List.of(topics.spend(), topics.leads(), topics.conversions(), topics.churn(),
                    topics.fxRates(), topics.metrics(), topics.alerts(), topics.deadLetter())) {
                demoTopics.add(new NewTopic(t, Optional.of(cfg.topicSetup().partitions()), Optional.empty())
                        .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1")));
            }
            kafka.createTopics(demoTopics);

            SchemaRegistryClient registry = SchemaRegistryClient.create(cfg.registry());
            resources.add(registry);
            MicrometerObserver observer = new MicrometerObserver();
            QueryServer query;
            try {
                query = QueryServer.start(cfg, registry);
            } catch (IllegalStateException portTaken) {
                out.println(portTaken.getMessage() + "; using a free port instead");
                query = QueryServer.start(cfg.with(Map.of("cac.query.port", "0")), registry);
            }
            resources.add(query);
            StreamsRuntime runtime = new StreamsRuntime(CacTopology.build(cfg, registry, observer),
                    query.advertise(StreamsProperties.build(cfg)), UncaughtExceptionPolicy.defaults());
            resources.add(runtime);
            OpsServer ops;
            try {
                ops = new OpsServer(cfg.ops(), runtime.health());
            } catch (IllegalStateException portTaken) {
                out.println(portTaken.getMessage() + "; using a free port instead");
                ops = new OpsServer(new io.cacstreams.config.OpsSettings(cfg.ops().host(), 0), runtime.health());
            }
            resources.add(ops);
            ops.bindStreams(runtime.streams());
            observer.bindTo(ops.registry());
            ViewMetrics.register(ops.registry(), cfg, registry, runtime.streams());
            query.bind(runtime.streams());
            runtime.start();

            ConsoleDashboard dashboard = new ConsoleDashboard(window, !plain && System.console() != null);
            Thread reader = outputReader(cfg, kafka, registry, dashboard, out, stopping);
            resources.add(() -> reader.join(5000));

            GeneratorRunner generator = null;
            if (!noGenerator) {
                Properties p = new Properties();
                p.putAll(kafka.clientProperties());
                p.put(ProducerConfig.ACKS_CONFIG, "all");
                p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
                KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(),
                        new ByteArraySerializer());
                resources.add(producer);
                // simulated time starts a year back and never overtakes the clock (brokers refuse future timestamps)
                generator = market.runner(producer, registry, topics, 365, SyntheticMarket.Options.defaults(),
                        Long.MAX_VALUE);
                GeneratorRunner g = generator;
                Thread t = new Thread(g, "cac-demo-generator");
                t.setDaemon(true);
                resources.add(() -> {
                    g.stop();
                    t.join(5000);
                });
                t.start();
            }
            String header = "cac-streams demo | bootstrap.servers=" + kafka.bootstrapServers() + " | registry "
                    + registryProcess.ccompatUrl() + " | metrics http://" + cfg.ops().host() + ":" + ops.port()
                    + "/metrics | Ctrl-C to stop";
            out.println(header);
            out.println("dashboard " + query.url() + " (live figures, charts and alerts; API: " + query.url()
                    + "api/openapi.json)");
            out.println(noGenerator ? "no generator: produce your own events (see README, 'The contracts')"
                    : "generating a synthetic market at " + market.speed + "x (one simulated day every "
                    + String.format(java.util.Locale.ROOT, "%.1f", 86_400 / market.speed) + " s)");
            out.flush();
            long began = System.nanoTime();
            long lastPlain = 0;
            while (!stopping.get()) {
                if (limit != null && System.nanoTime() - began > limit.toNanos()) break;
                if (runtime.health().errorSeen()) {
                    out.println("Kafka Streams failed; see the log above");
                    break;
                }
                if (dashboard.hasMetrics()) {
                    if (!plain && System.console() != null) {
                        dashboard.print(System.out, header);
                    } else if (System.nanoTime() - lastPlain > 10_000_000_000L) {
                        lastPlain = System.nanoTime();
                        out.print(dashboard.render(header));
                        out.flush();
                    }
                }
                if (stopped.await(1, java.util.concurrent.TimeUnit.SECONDS)) break;
            }
            if (generator != null && generator.failure() != null) {
                out.println("generator failed: " + generator.failure());
            }
            return runtime.health().errorSeen() ? Main.EXIT_FAILED : Main.EXIT_OK;
        } finally {
            shutdown.run();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is already running
            }
        }
    }

    private static Thread outputReader(AppConfig cfg, EmbeddedKafka kafka, SchemaRegistryClient registry,
                                       ConsoleDashboard dashboard, PrintWriter out, AtomicBoolean stopping) {
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
                c.subscribe(List.of(cfg.topics().metrics(), cfg.topics().alerts()));
                while (!stopping.get()) {
                    for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                        if (r.topic().equals(cfg.topics().metrics())) {
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
            Path jar = Path.of(DemoCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return jar.getParent().resolve("apicurio");
        } catch (java.net.URISyntaxException e) {
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
