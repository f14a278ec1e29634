package io.cacstreams.config;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * How to reach the schema registry. {@code url} may be {@code mock://scope} (in-process, for tests only).
 * {@code basicAuthUserInfo} is {@code user:password}; {@code ssl} holds {@code ssl.*} settings for an https registry
 * (truststore/keystore location, password and type), passed through as written.
 */
public record RegistrySettings(String url, String basicAuthUserInfo, boolean autoRegister, Duration timeout,
                               int maxRetries, Duration retryBackoff, int cacheCapacity, Map<String, String> ssl) {

    public RegistrySettings {
        ssl = Map.copyOf(ssl);
    }

    public static RegistrySettings mock(String scope) {
        return new RegistrySettings("mock://" + scope, null, true, Duration.ofSeconds(10), 5,
                Duration.ofMillis(200), 1000, Map.of());
    }

    static RegistrySettings from(Settings s) {
        String url = s.text("cac.registry.url", "http://localhost:8081");
        if (!url.matches("(?i)(https?|mock)://.+")) {
            throw new ConfigException("cac.registry.url", "'" + url + "' is not an http(s):// or mock:// URL");
        }
        String userInfo = s.optional("cac.registry.basic.auth.user.info");
        if (userInfo != null && !userInfo.contains(":")) {
            throw new ConfigException("cac.registry.basic.auth.user.info", "expected user:password");
        }
        Map<String, String> ssl = new TreeMap<>();
        s.withPrefix("cac.registry.ssl.").forEach((k, v) -> ssl.put("ssl." + k, v));
        int retries = (int) s.number("cac.registry.max.retries", 5);
        if (retries < 0) throw new ConfigException("cac.registry.max.retries", "must be >= 0");
        int cache = (int) s.positive("cac.registry.cache.capacity", 1000);
        return new RegistrySettings(url, userInfo, s.bool("cac.registry.auto.register", true),
                s.positiveDuration("cac.registry.timeout", "10s"), retries,
                s.positiveDuration("cac.registry.retry.backoff", "200ms"), cache, ssl);
    }

    /** For logs: never prints the password. */
    @Override
    public String toString() {
        return "RegistrySettings[url=" + url + ", basicAuth=" + (basicAuthUserInfo == null ? "none"
                : basicAuthUserInfo.substring(0, basicAuthUserInfo.indexOf(':')) + ":[hidden]")
                + ", autoRegister=" + autoRegister + ", timeout=" + Durations.format(timeout) + "]";
    }
}
