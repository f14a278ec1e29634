package io.cacstreams.runtime;

import io.cacstreams.config.AppConfig;
import io.cacstreams.config.OpsSettings;
import io.cacstreams.config.StateSettings;
import io.cacstreams.ops.MicrometerObserver;
import io.cacstreams.ops.OpsServer;
import io.cacstreams.ops.StreamsHealth;
import io.cacstreams.query.QueryServer;
import io.cacstreams.query.ViewMetrics;
import io.cacstreams.serde.SchemaRegistryClient;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * cac-streams running, the same way for {@code run} and {@code demo}. {@link #start} does, in order:
 * <ol>
 *   <li>check (or create) the topics ({@link TopicChecker}): {@link MissingTopics} if some are missing; a broker not
 *       reachable within {@link Options#brokerWait()} is a {@link TopicChecker.BrokerUnreachableException};</li>
 *   <li>set the input partition counts found on the broker ({@link #withInputPartitions});</li>
 *   <li>build the topology with a {@link MicrometerObserver}, log it, and resolve the output schema ids (best effort, so
 *       that a later registry outage does not hold up outputs with old schemas:
 *       {@link TopologySource#resolveOutputSchemas});</li>
 *   <li>start the query API and dashboard ({@link QueryServer}, unless {@code cac.query.enabled=false}) and advertise
 *       it to the other instances as {@code application.server};</li>
 *   <li>start the ops endpoints ({@link OpsServer}: metrics, with the figures' gauges of {@link ViewMetrics}, and
 *       health) and Kafka Streams ({@link StreamsRuntime});</li>
 *   <li>local-state recovery: if Kafka Streams cannot start because RocksDB cannot open local state (e.g. after a
 *       {@code kill -9} in the middle of deleting a segment), wipe this instance's local state (a cache of the
 *       changelog topics) and start again, once.</li>
 * </ol>
 * Then {@link #awaitExit()} blocks until Kafka Streams fails (1) or is closed (0), e.g. by SIGTERM when
 * {@link Options#closeOnSignal()}.
 */
public final class StreamsApp implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StreamsApp.class);

    /**
     * How the application is started.
     *
     * @param brokerWait          how long the topic check waits for the broker (default 30 s)
     * @param closeOnSignal       close Kafka Streams cleanly on SIGTERM/SIGINT (default true; the demo closes
     *                            everything from its own hook instead)
     * @param anyOpsPortIfTaken   serve the ops endpoints (and the query API) on a free port when {@code cac.ops.port}
     *                            ({@code cac.query.port}) is taken (default false: an error; the demo prefers to come
     *                            up anyway)
     */
    public record Options(Duration brokerWait, boolean closeOnSignal, boolean anyOpsPortIfTaken) {
        public static Options defaults() {
            return new Options(Duration.ofSeconds(30), true, false);
        }

        public Options withBrokerWait(Duration wait) {
            return new Options(wait, closeOnSignal, anyOpsPortIfTaken);
        }

        public Options forDemo() {
            return new Options(brokerWait, false, true);
        }
    }

    /** Topics the application needs are missing (and {@code cac.topics.create} is off). */
    public static final class MissingTopics extends Exception {
        private final List<String> topics;

        public MissingTopics(List<String> topics) {
            super("missing topics: " + String.join(", ", topics) + " (create them, or set cac.topics.create=true)");
            this.topics = List.copyOf(topics);
        }

        public List<String> topics() {
            return topics;
        }
    }

    private final AppConfig config;
    private final Properties properties;
    private final TopologySource source;
    private final SchemaRegistryClient registry;
    private final Options options;
    private final AtomicBoolean closed = new AtomicBoolean();
    private StreamsRuntime runtime;
    private OpsServer ops;
    private QueryServer query;
    private Thread hook;

    private StreamsApp(AppConfig config, Properties properties, TopologySource source, SchemaRegistryClient registry,
                       Options options) {
        this.config = config;
        this.properties = properties;
        this.source = source;
        this.registry = registry;
        this.options = options;
    }

    /**
     * Starts the application (see the class comment). {@code registry} stays the caller's: the topology's serdes
     * share it, and it is not closed here.
     */
    public static StreamsApp start(AppConfig config, TopologySource source, SchemaRegistryClient registry,
                                   Options options) throws MissingTopics {
        Properties properties = StreamsProperties.build(config);
        log.info("effective settings: {}", StreamsProperties.effective(config, properties));
        TopicChecker.Report report;
        try (Admin admin = Admin.create(StreamsProperties.adminProperties(config))) {
            report = new TopicChecker(admin, config.kafka().get("bootstrap.servers"), options.brokerWait())
                    .check(config.topics(), config.topicSetup());
        }
        if (!report.ok()) throw new MissingTopics(report.missing());
        StreamsApp app = new StreamsApp(withInputPartitions(config, report), properties, source, registry, options);
        try {
            app.startQuery();
            app.startWithRecovery();
        } catch (RuntimeException e) {
            app.close();
            throw e;
        }
        return app;
    }

    /** {@link #start}s, waits until Kafka Streams fails or is closed, and closes; the exit code of {@link #awaitExit}. */
    public static int run(AppConfig config, TopologySource source, SchemaRegistryClient registry, Options options)
            throws MissingTopics, InterruptedException {
        try (StreamsApp app = start(config, source, registry, options)) {
            return app.awaitExit();
        }
    }

    /** The query API and dashboard, advertised to the other instances through {@code application.server}. */
    private void startQuery() {
        if (!config.query().enabled()) return;
        try {
            query = QueryServer.start(config, registry);
        } catch (IllegalStateException portTaken) {
            if (!options.anyOpsPortIfTaken()) throw portTaken;
            log.warn("{}; using a free port instead", portTaken.getMessage());
            query = QueryServer.start(config.with(Map.of("cac.query.port", "0")), registry);
        }
        Properties advertised = query.advertise(properties);
        properties.clear();
        properties.putAll(advertised);
    }

    private void startWithRecovery() {
        for (int attempt = 1; ; attempt++) {
            MicrometerObserver observer = new MicrometerObserver();
            Topology topology = source.build(config, registry, observer);
            if (attempt == 1) {
                log.info("topology:\n{}", topology.describe());
                resolveOutputSchemas();
            }
            runtime = new StreamsRuntime(topology, properties, UncaughtExceptionPolicy.defaults());
            ops = openOps(runtime.health());
            ops.bindStreams(runtime.streams());
            observer.bindTo(ops.registry());
            ViewMetrics.register(ops.registry(), config, registry, runtime.streams());
            if (query != null) query.bind(runtime.streams());
            if (options.closeOnSignal()) hook = runtime.installShutdownHook();
            try {
                runtime.start();
                return;
            } catch (RuntimeException e) {
                removeHook();
                if (attempt > 1 || !StreamsRuntime.isUnreadableLocalState(e)) {
                    close();
                    throw e;
                }
                log.error("local state cannot be opened ({}): wiping this instance's local state of {} (it is rebuilt"
                        + " from the changelog topics) and starting again", Errors.rootMessage(e), config.applicationId());
                runtime.closeAndWipeLocalState();
                ops.close();
            }
        }
    }

    private OpsServer openOps(StreamsHealth health) {
        try {
            return new OpsServer(config.ops(), health);
        } catch (IllegalStateException portTaken) {
            if (!options.anyOpsPortIfTaken()) throw portTaken;
            log.warn("{}; using a free port instead", portTaken.getMessage());
            return new OpsServer(new OpsSettings(config.ops().host(), 0), health);
        }
    }

    /** Caches the output schema ids in the registry client, which the topology's serdes share; problems are logged. */
    private void resolveOutputSchemas() {
        List<String> problems = source.resolveOutputSchemas(config, registry);
        if (problems.isEmpty()) {
            log.info("output schema ids resolved ({})", registry);
        } else {
            log.warn("output schema ids not all resolved; each is resolved on its first write instead: {}", problems);
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

    /** The configuration the application runs with (input partition counts included). */
    public AppConfig config() {
        return config;
    }

    /** Ready only when RUNNING; not live after an error. */
    public StreamsHealth health() {
        return runtime.health();
    }

    /** The Kafka Streams client (for interactive queries and metadata). */
    public KafkaStreams streams() {
        return runtime.streams();
    }

    /** The port the ops endpoints listen on. */
    public int opsPort() {
        return ops.port();
    }

    /** The dashboard's address ({@code http://127.0.0.1:8090/}), unless {@code cac.query.enabled=false}. */
    public Optional<String> dashboardUrl() {
        return Optional.ofNullable(query).map(QueryServer::url);
    }

    /** Blocks until Kafka Streams errors (returns 1, after closing it) or is closed (returns 0). */
    public int awaitExit() throws InterruptedException {
        int code = runtime.awaitExit();
        removeHook();
        return code;
    }

    private void removeHook() {
        if (hook == null) return;
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is what stopped us: leave it to finish
        }
        hook = null;
    }

    /** Closes the query API, the ops endpoints and Kafka Streams (cleanly, committing what was processed); idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        if (query != null) query.close();
        if (ops != null) ops.close();
        if (runtime != null) runtime.close();
    }
}
