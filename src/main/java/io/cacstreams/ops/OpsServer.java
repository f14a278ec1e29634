package io.cacstreams.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.cacstreams.config.OpsSettings;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The operations endpoints, on the JDK's own HTTP server:
 * <ul>
 *   <li>{@code GET /metrics}: Prometheus text format (JVM memory, GC, threads, class loading, CPU, uptime, and, once
 *       {@link #bindStreams bound}, every Kafka Streams client metric);</li>
 *   <li>{@code GET /health/live}: 200 while {@link StreamsHealth#live() live}, else 503;</li>
 *   <li>{@code GET /health/ready}: 200 while {@link StreamsHealth#ready() ready} (RUNNING), else 503.</li>
 * </ul>
 * Health answers are small JSON objects naming the state: {@code {"status":"UP","state":"RUNNING"}}.
 * Binds {@code cac.ops.host} (default 127.0.0.1) : {@code cac.ops.port} (default 8080; 0 = any free port, see
 * {@link #port()}).
 */
public final class OpsServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OpsServer.class);
    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    /**
     * RocksDB's {@code number-open-files} (recorded at {@code metrics.recording.level=DEBUG}) is a cumulative sum of
     * file opens minus closes that reads -1 with the RocksDB Kafka Streams ships (it no longer counts them); as a
     * Prometheus counter, a negative value fails the whole scrape, so it is left out.
     */
    static final String NEGATIVE_ROCKSDB_COUNTER = "kafka.stream.state.number.open.files";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final StreamsHealth health;
    private final HttpServer server;
    private final ExecutorService executor;
    private final JvmGcMetrics gcMetrics = new JvmGcMetrics();
    private KafkaStreamsMetrics streamsMetrics;
    private KafkaStreams streams;
    private Set<MetricName> boundStreamsMetrics = Set.of();

    /** Binds and starts serving at once. */
    public OpsServer(OpsSettings settings, StreamsHealth health) {
        this.health = health;
        registry.config().meterFilter(MeterFilter.deny(id -> id.getName().equals(NEGATIVE_ROCKSDB_COUNTER)));
        new JvmMemoryMetrics().bindTo(registry);
        gcMetrics.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        try {
            server = HttpServer.create(new InetSocketAddress(settings.host(), settings.port()), 16);
        } catch (IOException e) {
            gcMetrics.close();
            registry.close();
            throw new IllegalStateException("cannot listen on " + settings.host() + ":" + settings.port()
                    + " (cac.ops.host, cac.ops.port): " + e.getMessage(), e);
        }
        server.createContext("/metrics", ex -> handle(ex, () -> {
            refreshStreamsMetrics();
            reply(ex, 200, PROMETHEUS_TEXT, registry.scrape());
        }));
        server.createContext("/health/live", ex -> handle(ex, () -> {
            KafkaStreams.State s = health.state();
            healthReply(ex, StreamsHealth.isLive(s, health.errorSeen()), s);
        }));
        server.createContext("/health/ready", ex -> handle(ex, () -> {
            KafkaStreams.State s = health.state();
            healthReply(ex, s == KafkaStreams.State.RUNNING, s);
        }));
        server.createContext("/", ex -> handle(ex, () -> reply(ex, 404, "text/plain; charset=utf-8",
                "not found; try /metrics, /health/live or /health/ready\n")));
        executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "cac-ops-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.start();
        log.info("ops endpoints on http://{}:{}/ (metrics, health/live, health/ready)", settings.host(), port());
    }

    /** The port actually bound (useful with {@code cac.ops.port=0}). */
    public int port() {
        return server.getAddress().getPort();
    }

    /** For the application's own meters. */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public StreamsHealth health() {
        return health;
    }

    /** Exposes the Kafka Streams client's metrics (replacing those of a client bound before). */
    public synchronized void bindStreams(KafkaStreams streams) {
        if (streamsMetrics != null) streamsMetrics.close();
        this.streams = streams;
        boundStreamsMetrics = Set.copyOf(streams.metrics().keySet());
        streamsMetrics = new KafkaStreamsMetrics(streams);
        streamsMetrics.bindTo(registry);
    }

    /**
     * Micrometer looks for new Kafka metrics only once a minute: the task metrics of the tasks a rebalance has just
     * assigned (e.g. at start) would be missing from the scrapes until then. A scrape rebinds when the set changed.
     */
    private synchronized void refreshStreamsMetrics() {
        if (streams != null && !boundStreamsMetrics.equals(streams.metrics().keySet())) bindStreams(streams);
    }

    private interface Handler {
        void run() throws IOException;
    }

    private static void handle(HttpExchange ex, Handler handler) {
        try (ex) {
            String method = ex.getRequestMethod();
            if (!"GET".equals(method) && !"HEAD".equals(method)) {
                ex.getResponseHeaders().set("Allow", "GET, HEAD");
                reply(ex, 405, "text/plain; charset=utf-8", "method not allowed\n");
                return;
            }
            handler.run();
        } catch (IOException | RuntimeException e) {
            log.debug("ops request {} failed: {}", ex.getRequestURI(), e.toString());
        }
    }

    private static void healthReply(HttpExchange ex, boolean up, KafkaStreams.State state) throws IOException {
        String body = "{\"status\":\"" + (up ? "UP" : "DOWN") + "\",\"state\":\"" + state + "\"}\n";
        reply(ex, up ? 200 : 503, "application/json", body);
    }

    private static void reply(HttpExchange ex, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        boolean head = "HEAD".equals(ex.getRequestMethod());
        ex.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public synchronized void close() {
        server.stop(0);
        executor.shutdownNow();
        if (streamsMetrics != null) streamsMetrics.close();
        gcMetrics.close();
        registry.close();
    }
}
