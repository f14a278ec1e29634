package io.cacstreams.serde;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/** A scripted HTTP(S) server standing in for a schema registry; it records every request. */
public final class FakeRegistryServer implements AutoCloseable {
    public record Request(String method, String path, String authorization, String contentType, String body) {
    }

    public record Reply(int status, String body, long delayMillis) {
        public static Reply json(int status, String body) {
            return new Reply(status, body, 0);
        }

        public static Reply error(int status, int code, String message) {
            return new Reply(status, "{\"error_code\":" + code + ",\"message\":\"" + message + "\"}", 0);
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-registry");
        t.setDaemon(true);
        return t;
    });
    public final List<Request> requests = new CopyOnWriteArrayList<>();
    private volatile Function<Request, Reply> script = r -> Reply.error(500, 50001, "no script");

    private FakeRegistryServer(HttpServer server) {
        this.server = server;
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    public static FakeRegistryServer http() throws IOException {
        return new FakeRegistryServer(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0));
    }

    static FakeRegistryServer https(SSLContext context, boolean needClientAuth) throws IOException {
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(context) {
            @Override
            public void configure(com.sun.net.httpserver.HttpsParameters params) {
                var ssl = getSSLContext().getDefaultSSLParameters();
                ssl.setNeedClientAuth(needClientAuth);
                params.setSSLParameters(ssl);
            }
        });
        return new FakeRegistryServer(server);
    }

    public FakeRegistryServer script(Function<Request, Reply> script) {
        this.script = script;
        return this;
    }

    public String url(String prefix) {
        String scheme = server instanceof HttpsServer ? "https" : "http";
        return scheme + "://127.0.0.1:" + server.getAddress().getPort() + prefix;
    }

    int count(String method, String path) {
        return (int) requests.stream().filter(r -> r.method().equals(method) && r.path().equals(path)).count();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Request request = new Request(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                    exchange.getRequestHeaders().getFirst("Authorization"),
                    exchange.getRequestHeaders().getFirst("Content-Type"), body);
            requests.add(request);
            Reply reply = script.apply(request);
            if (reply.delayMillis() > 0) {
                try {
                    Thread.sleep(reply.delayMillis());
                } catch (InterruptedException e) {
                    return;
                }
            }
            byte[] out = reply.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/vnd.schemaregistry.v1+json");
            exchange.sendResponseHeaders(reply.status(), out.length == 0 ? -1 : out.length);
            try (OutputStream os = exchange.getResponseBody()) {
                os.write(out);
            }
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
        server.stop(0);
    }
}
