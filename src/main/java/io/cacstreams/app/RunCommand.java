package io.cacstreams.app;

import io.cacstreams.config.AppConfig;
import io.cacstreams.config.StateSettings;
import io.cacstreams.config.ConfigLoader;
import io.cacstreams.query.QueryServer;
import io.cacstreams.query.ViewMetrics;
import io.cacstreams.serde.SchemaRegistryClient;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.Topology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * Runs the application until SIGTERM/SIGINT or a fatal error. In order: load and validate the configuration (exit 2
 * if invalid), open the registry client, check (or create) the topics (exit 1 if some are missing, or if the broker
 * cannot be reached within 30s), build the topology, resolve the output schema ids (best effort, so that a later
 * registry outage does not hold up outputs with old schemas: {@link TopologySource#resolveOutputSchemas}), start the ops
 * endpoints, start Kafka Streams.
 * <p>Exit status: 1 when Kafka Streams reaches ERROR (see {@link UncaughtExceptionPolicy}). On SIGTERM the shutdown
 * hook closes Kafka Streams cleanly (committing what was processed) and the JVM then exits with its usual status for
 * that signal, 143 (130 for SIGINT), which supervisors read as "stopped on request".
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run cac-streams against a Kafka cluster until stopped (SIGTERM/SIGINT).")
final class RunCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(RunCommand.class);
    static final Duration BROKER_WAIT = Duration.ofSeconds(30);

    private final Main.Context context;

    @Mixin
    ConfigOptions options = new ConfigOptions();

    @Option(names = "--check-config",
            description = "Only validate the configuration and print the effective settings (secrets hidden).")
    boolean checkConfig;

    @Spec
    CommandSpec spec;

    RunCommand(Main.Context context) {
        this.context = context;
    }

    @Override
    public Integer call() throws Exception {
        AppConfig cfg = options.load(context.env());
        Properties streamsProps = StreamsProperties.build(cfg);
        Map<String, String> effective = effectiveSettings(cfg, streamsProps);
        if (checkConfig) {
            PrintWriter out = spec.commandLine().getOut();
            out.println("configuration OK; effective settings:");
            effective.forEach((k, v) -> out.println(k + "=" + v));
            out.flush();
            return Main.EXIT_OK;
        }
        log.info("effective settings: {}", effective);
        try (SchemaRegistryClient registry = Main.openRegistry(context, cfg.registry());
             QueryServer query = cfg.query().enabled() ? QueryServer.start(cfg, registry) : null) {
            if (query != null) streamsProps = query.advertise(streamsProps);
            TopicChecker.Report report;
            try (Admin admin = Admin.create(StreamsProperties.adminProperties(cfg))) {
                report = new TopicChecker(admin, cfg.kafka().get("bootstrap.servers"), BROKER_WAIT)
                        .check(cfg.topics(), cfg.topicSetup());
            }
            if (!report.ok()) {
                spec.commandLine().getErr().println("missing topics: " + String.join(", ", report.missing())
                        + " (create them, or set cac.topics.create=true)");
                return Main.EXIT_FAILED;
            }
            cfg = withInputPartitions(cfg, report);
            for (int attempt = 1; ; attempt++) {
                MicrometerObserver observer = new MicrometerObserver();
                Topology topology = context.topology().build(cfg, registry, observer);
                if (attempt == 1) {
                    log.info("topology:\n{}", topology.describe());
                    resolveOutputSchemas(context.topology(), cfg, registry);
                }
                StreamsRuntime runtime = new StreamsRuntime(topology, streamsProps, UncaughtExceptionPolicy.defaults());
                try (runtime; OpsServer ops = new OpsServer(cfg.ops(), runtime.health())) {
                    ops.bindStreams(runtime.streams());
                    observer.bindTo(ops.registry());
                    ViewMetrics.register(ops.registry(), cfg, registry, runtime.streams());
                    if (query != null) query.bind(runtime.streams());
                    Thread hook = runtime.installShutdownHook();
                    try {
                        runtime.start();
                    } catch (RuntimeException e) {
                        removeHook(hook);
                        if (attempt > 1 || !StreamsRuntime.isUnreadableLocalState(e)) throw e;
                        log.error("local state cannot be opened ({}): wiping this instance's local state of {} (it"
                                + " is rebuilt from the changelog topics) and starting again", Errors.rootMessage(e),
                                cfg.applicationId());
                        runtime.closeAndWipeLocalState();
                        continue;
                    }
                    int code = runtime.awaitExit();
                    removeHook(hook);
                    return code;
                }
            }
        }
    }

    /**
     * The configuration with {@code cac.<input>.partitions} set from the broker for each input topic, unless set by
     * the user: the downstream stages must know every partition of every input to know how far all have been read.
     */
    static AppConfig withInputPartitions(AppConfig cfg, TopicChecker.Report report) {
        Map<String, String> found = new TreeMap<>();
        for (String role : StateSettings.InputPartitions.ROLES) {
            String topic = switch (role) {
                case "spend" -> cfg.topics().spend();
                case "leads" -> cfg.topics().leads();
                case "conversions" -> cfg.topics().conversions();
                default -> cfg.topics().churn();
            };
            Integer n = report.partitions().get(topic);
            int configured = cfg.state().inputPartitions().of(role);
            if (n == null) continue;
            if (configured == 0) {
                found.put("cac." + role + ".partitions", Integer.toString(n));
            } else if (configured != n) {
                log.warn("cac.{}.partitions={} but topic {} has {} partitions; progress is tracked on the configured"
                        + " count", role, configured, topic, n);
            }
        }
        return found.isEmpty() ? cfg : cfg.with(found);
    }

    /** Caches the output schema ids in {@code registry}, which the topology's serdes share; problems are logged. */
    static void resolveOutputSchemas(TopologySource topology, AppConfig cfg, SchemaRegistryClient registry) {
        List<String> problems = topology.resolveOutputSchemas(cfg, registry);
        if (problems.isEmpty()) {
            log.info("output schema ids resolved ({})", registry);
        } else {
            log.warn("output schema ids not all resolved; each is resolved on its first write instead: {}", problems);
        }
    }

    /** The Streams properties and the application's own settings, secrets hidden. */
    static Map<String, String> effectiveSettings(AppConfig cfg, Properties streamsProps) {
        Map<String, String> all = new TreeMap<>();
        streamsProps.stringPropertyNames().forEach(k -> all.put(k, streamsProps.getProperty(k)));
        cfg.source().forEach((k, v) -> {
            if (k.startsWith("cac.")) all.put(k, v);
        });
        return ConfigLoader.masked(all);
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is what stopped us: leave it to finish
        }
    }
}
