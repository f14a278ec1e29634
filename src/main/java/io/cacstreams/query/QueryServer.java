package io.cacstreams.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cacstreams.config.AppConfig;
import io.cacstreams.config.ConfigException;
import io.cacstreams.config.QuerySettings;
import io.cacstreams.serde.SchemaRegistryClient;
import io.cacstreams.serde.SslContexts;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.staticfiles.Location;
import io.javalin.json.JavalinJackson;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.HostInfo;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * The query API and the live dashboard, on Javalin (Jetty): {@code GET /api/v1/channels},
 * {@code /api/v1/channels/{channel}?window=30d}, {@code /api/v1/channels/{channel}/history?window=7d&from=&to=},
 * {@code /api/v1/alerts?status=FIRING}, {@code /api/openapi.json}, the dashboard at {@code /} and its chart library
 * under {@code /webjars/}. Errors are JSON ({@link ApiException}).
 *
 * <p>Lifecycle: {@link #start} binds at once (data requests answer 503 until {@link #bind}); {@link #advertise}
 * puts this server's address into the Streams properties as {@code application.server}, so that the other
 * instances forward queries here; {@link #bind} connects it to the running Kafka Streams client.
 *
 * <p>Security: binds {@code cac.query.host} (127.0.0.1 by default); with {@code cac.query.bearer.token} or
 * {@code cac.query.basic.auth.user.info} set, {@code /api/**} (but the OpenAPI document) needs them, and so does the
 * page itself with basic auth (browsers then ask); scripts, styles and the chart library are public (no data in
 * them). With {@code cac.query.ssl.keystore.location} the server speaks https only.
 */
public final class QueryServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(QueryServer.class);
    private static final String WEB = "/io/cacstreams/query/web";
    private static final Set<String> WILDCARDS = Set.of("0.0.0.0", "::", "[::]", "0:0:0:0:0:0:0:0");

    private final QuerySettings settings;
    private final ObjectMapper json = new ObjectMapper();
    private final QueryService service;
    private final Credentials credentials;
    private final JsonNode openApi;
    private final Javalin app;
    private volatile HostInfo self;

    private QueryServer(AppConfig config, SchemaRegistryClient registry) {
        this.settings = config.query();
        this.service = new QueryService(config, registry, json);
        this.credentials = Credentials.of(settings);
        this.openApi = OpenApi.document(json, service.windows(), service.days(null) + "d", settings);
        SSLContext tls = settings.tls() ? SslContexts.build(QuerySettings.PREFIX, settings.ssl()) : null;
        this.app = Javalin.create(c -> configure(c, tls));
        try {
            app.start();
        } catch (RuntimeException e) {
            app.stop();
            throw new IllegalStateException("cannot listen on " + settings.host() + ":" + settings.port()
                    + " (cac.query.host, cac.query.port): " + e.getMessage(), e);
        }
        log.info("query API and dashboard on {} ({})", url(), settings);
    }

    /** Binds and serves at once; throws {@link IllegalStateException} if the port cannot be had. */
    public static QueryServer start(AppConfig config, SchemaRegistryClient registry) {
        return new QueryServer(config, registry);
    }

    private void configure(JavalinConfig c, SSLContext tls) {
        c.startup.showJavalinBanner = false;
        c.startup.showOldJavalinVersionWarning = false;
        c.jsonMapper(new JavalinJackson(json, false));
        QueuedThreadPool threads = new QueuedThreadPool(32, 2);
        threads.setName("cac-query-http");
        threads.setDaemon(true);
        c.jetty.threadPool = threads;
        c.jetty.host = settings.host();
        c.jetty.port = settings.port();
        if (tls != null) c.jetty.addConnector((server, http) -> httpsConnector(server, http, tls));
        c.staticFiles.add(files -> {
            files.hostedPath = "/";
            files.directory = WEB;
            files.location = Location.CLASSPATH;
            files.headers = Map.of("Cache-Control", "no-cache");
        });
        c.staticFiles.enableWebjars();

        var r = c.routes;
        r.before(this::securityHeaders);
        r.before(this::authorize);
        r.get("/api/v1/channels", ctx -> ctx.json(service.channels()));
        r.get("/api/v1/channels/{channel}", ctx -> ctx.json(service.channel(ctx.pathParam("channel"),
                ctx.queryParam("window"))));
        r.get("/api/v1/channels/{channel}/history", ctx -> ctx.json(service.history(ctx.pathParam("channel"),
                ctx.queryParam("window"), ctx.queryParam("from"), ctx.queryParam("to"))));
        r.get("/api/v1/alerts", ctx -> ctx.json(service.alerts(ctx.queryParam("status"))));
        r.get("/api/openapi.json", ctx -> ctx.json(openApi));
        r.get(QueryService.INTERNAL + "/latest", ctx -> ctx.json(service.localLatest()));
        r.get(QueryService.INTERNAL + "/record", ctx -> ctx.json(service.localRecord(required(ctx, "key"))));
        r.get(QueryService.INTERNAL + "/history", ctx -> ctx.json(service.localHistory(required(ctx, "key"),
                required(ctx, "from"), required(ctx, "to"))));
        r.get(QueryService.INTERNAL + "/alerts", ctx -> ctx.json(service.localAlerts()));
        r.exception(ApiException.class, (e, ctx) -> error(ctx, e));
        r.exception(Exception.class, (e, ctx) -> {
            log.warn("query {} failed", ctx.path(), e);
            error(ctx, ApiException.of(500, "internal", "internal error: " + e.getClass().getSimpleName()));
        });
        r.error(404, ctx -> {
            if (ctx.path().startsWith("/api/") && !isJsonError(ctx)) {
                error(ctx, ApiException.notFound("no such route: " + ctx.method() + " " + ctx.path()
                        + " (see /api/openapi.json)"));
            }
        });
        r.error(405, ctx -> {
            if (ctx.path().startsWith("/api/")) {
                error(ctx, ApiException.of(405, "method_not_allowed", ctx.method() + " is not allowed here"));
            }
        });
    }

    private static ServerConnector httpsConnector(Server server, HttpConfiguration http, SSLContext context) {
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setSslContext(context);
        HttpConfiguration https = new HttpConfiguration(http);
        SecureRequestCustomizer secure = new SecureRequestCustomizer();
        // instances reach each other by the name or address in application.server; the certificate says which
        secure.setSniHostCheck(false);
        https.addCustomizer(secure);
        return new ServerConnector(server, new SslConnectionFactory(ssl, "http/1.1"),
                new HttpConnectionFactory(https));
    }

    private void securityHeaders(Context ctx) {
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Referrer-Policy", "no-referrer");
        if (ctx.path().startsWith("/api/")) {
            ctx.header("Cache-Control", "no-store");
        } else {
            // the page loads only its own scripts and styles (the chart library is served from here, not a CDN)
            ctx.header("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; "
                    + "frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
            ctx.header("X-Frame-Options", "DENY");
        }
    }

    private void authorize(Context ctx) {
        if (!credentials.required()) return;
        String path = ctx.path();
        boolean data = path.startsWith("/api/") && !path.equals("/api/openapi.json");
        // the page itself holds no data; with basic auth it is guarded too, so that browsers ask for it up front
        boolean page = credentials.basicConfigured() && (path.equals("/") || path.endsWith(".html"));
        if (!data && !page) return;
        if (credentials.accepts(ctx.header("Authorization"))) return;
        credentials.challenges().forEach(challenge -> ctx.res().addHeader("WWW-Authenticate", challenge));
        throw ApiException.unauthorized("credentials required (Authorization: Bearer <cac.query.bearer.token>, or"
                + " Basic with cac.query.basic.auth.user.info)");
    }

    private static String required(Context ctx, String name) {
        String v = ctx.queryParam(name);
        if (v == null || v.isBlank()) throw ApiException.badRequest(name + " is required");
        return v;
    }

    private static boolean isJsonError(Context ctx) {
        String type = ctx.res().getContentType();
        return type != null && type.startsWith("application/json") && ctx.result() != null;
    }

    private void error(Context ctx, ApiException e) {
        ctx.status(e.status()).json(e.body());
    }

    /**
     * {@code streamsProperties} with {@code application.server} set to this server ({@code cac.query.advertised.host}
     * and the port bound), unless set already (then it must name this server, by a name of the operator's choice).
     */
    public Properties advertise(Properties streamsProperties) {
        Properties p = new Properties();
        p.putAll(streamsProperties);
        String given = p.getProperty(StreamsConfig.APPLICATION_SERVER_CONFIG);
        if (given == null || given.isBlank()) {
            if (WILDCARDS.contains(settings.advertisedHost())) {
                throw new ConfigException(QuerySettings.PREFIX + "advertised.host", "required when "
                        + QuerySettings.PREFIX + "host is a wildcard address (" + settings.host() + "): the name or"
                        + " address other instances reach this one by (or set application.server)");
            }
            self = new HostInfo(settings.advertisedHost(), port());
            p.put(StreamsConfig.APPLICATION_SERVER_CONFIG, self.host() + ":" + self.port());
            if (isLoopback(settings.advertisedHost())) {
                log.info("the query API is advertised at {}:{}, a loopback address: instances on other machines"
                        + " cannot forward queries to it (set cac.query.host and cac.query.advertised.host to run"
                        + " instances on several machines)", self.host(), self.port());
            }
        } else {
            self = HostInfo.buildFromEndpoint(given.strip());
            if (self.port() != port()) {
                log.warn("application.server={} but the query server listens on port {}: other instances will not"
                        + " reach it unless something forwards that port", given, port());
            }
        }
        return p;
    }

    private static boolean isLoopback(String host) {
        return host.equals("localhost") || host.startsWith("127.") || host.equals("::1") || host.equals("[::1]");
    }

    /** Answers from {@code streams}, whose properties went through {@link #advertise}. */
    public void bind(KafkaStreams streams) {
        HostInfo me = self;
        if (me == null) throw new IllegalStateException("advertise() the server in the Streams properties first");
        service.bind(streams, me);
    }

    public int port() {
        return app.port();
    }

    /** The dashboard's address, e.g. {@code http://127.0.0.1:8090/}. */
    public String url() {
        String host = WILDCARDS.contains(settings.host()) ? settings.advertisedHost() : settings.host();
        return (settings.tls() ? "https" : "http") + "://" + host + ":" + port() + "/";
    }

    @Override
    public void close() {
        app.stop();
    }
}
