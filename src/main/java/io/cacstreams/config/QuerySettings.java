package io.cacstreams.config;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * The query API and dashboard server ({@code io.cacstreams.query}), {@code cac.query.*}:
 * <ul>
 *   <li>{@code enabled} (default true): serve the API and dashboard at all;</li>
 *   <li>{@code host} (default 127.0.0.1: the figures are business data, not for other machines unless asked) and
 *       {@code port} (default 8090; 0 picks a free port);</li>
 *   <li>{@code advertisedHost} (default: {@code host}): the name other instances reach this one by, published to them
 *       through Kafka Streams' {@code application.server}; needed when {@code host} is a wildcard address;</li>
 *   <li>{@code bearerToken} and/or {@code basicAuthUserInfo} ({@code user:password}): when either is set, every data
 *       request needs it (401 otherwise); instances forward queries to each other with it;</li>
 *   <li>{@code ssl}: {@code ssl.*} settings as the registry client's ({@code cac.query.ssl.keystore.location} etc.):
 *       a keystore makes the server speak https only; the truststore is what forwarded queries trust;</li>
 *   <li>{@code historyRetention} (default 400 days of the figures' own time): how far back the per-day history is
 *       kept (a year and a quarter, so a quarter can be compared with the same quarter a year before);</li>
 *   <li>{@code forwardTimeout} (default 5 s): how long a query forwarded to another instance may take.</li>
 * </ul>
 */
public record QuerySettings(boolean enabled, String host, int port, String advertisedHost, String bearerToken,
                            String basicAuthUserInfo, Map<String, String> ssl, Duration historyRetention,
                            Duration forwardTimeout) {
    public static final String PREFIX = "cac.query.";
    public static final String KEYSTORE_LOCATION = "ssl.keystore.location";

    public QuerySettings {
        ssl = Map.copyOf(ssl);
    }

    public static QuerySettings defaults() {
        return AppConfig.defaults().query();
    }

    /** True when a keystore is configured: the server then speaks https only. */
    public boolean tls() {
        String keystore = ssl.get(KEYSTORE_LOCATION);
        return keystore != null && !keystore.isBlank();
    }

    /** True when requests for data need credentials. */
    public boolean authRequired() {
        return bearerToken != null || basicAuthUserInfo != null;
    }

    /** A copy listening on {@code newPort} (e.g. 0 when the configured port is taken). */
    public QuerySettings withPort(int newPort) {
        return new QuerySettings(enabled, host, newPort, advertisedHost, bearerToken, basicAuthUserInfo, ssl,
                historyRetention, forwardTimeout);
    }

    static QuerySettings from(Settings s) {
        boolean enabled = s.bool(PREFIX + "enabled", true);
        String host = s.text(PREFIX + "host", "127.0.0.1");
        if (host.isEmpty()) throw new ConfigException(PREFIX + "host", "must not be empty");
        double port = s.number(PREFIX + "port", 8090);
        if (port < 0 || port > 65535 || port != Math.rint(port)) {
            throw new ConfigException(PREFIX + "port", "must be a whole number between 0 and 65535 (0 = any free port)");
        }
        String advertised = s.optional(PREFIX + "advertised.host");
        String token = s.optional(PREFIX + "bearer.token");
        String userInfo = s.optional(PREFIX + "basic.auth.user.info");
        if (userInfo != null && userInfo.indexOf(':') <= 0) {
            throw new ConfigException(PREFIX + "basic.auth.user.info", "expected user:password");
        }
        Map<String, String> ssl = new TreeMap<>();
        s.withPrefix(PREFIX + "ssl.").forEach((k, v) -> ssl.put("ssl." + k, v));
        Duration retention = s.positiveDuration(PREFIX + "history.retention", "400d");
        if (retention.compareTo(Duration.ofDays(1)) < 0) {
            throw new ConfigException(PREFIX + "history.retention", "must be at least 1d (one point per day)");
        }
        return new QuerySettings(enabled, host, (int) port, advertised == null ? host : advertised, token, userInfo,
                ssl, retention, s.positiveDuration(PREFIX + "forward.timeout", "5s"));
    }

    /** For logs: never prints a secret. */
    @Override
    public String toString() {
        return "QuerySettings[enabled=" + enabled + ", listen=" + host + ":" + port + ", advertised=" + advertisedHost
                + ", tls=" + tls() + ", bearerToken=" + (bearerToken == null ? "none" : "[hidden]")
                + ", basicAuth=" + (basicAuthUserInfo == null ? "none"
                : basicAuthUserInfo.substring(0, basicAuthUserInfo.indexOf(':')) + ":[hidden]")
                + ", historyRetention=" + Durations.format(historyRetention) + "]";
    }
}
