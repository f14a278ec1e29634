package io.cacstreams.config;

/**
 * Where the operations HTTP server (/metrics, /health/live, /health/ready) listens: {@code cac.ops.host} (default
 * 127.0.0.1, so it is not reachable from other machines unless asked) and {@code cac.ops.port} (default 8080; 0 picks
 * a free port).
 */
public record OpsSettings(String host, int port) {

    public static OpsSettings defaults() {
        return new OpsSettings("127.0.0.1", 8080);
    }

    static OpsSettings from(Settings s) {
        String host = s.text("cac.ops.host", "127.0.0.1");
        if (host.isEmpty()) throw new ConfigException("cac.ops.host", "must not be empty");
        double port = s.number("cac.ops.port", 8080);
        if (port < 0 || port > 65535 || port != Math.rint(port)) {
            throw new ConfigException("cac.ops.port", "must be a whole number between 0 and 65535 (0 = any free port)");
        }
        return new OpsSettings(host, (int) port);
    }
}
