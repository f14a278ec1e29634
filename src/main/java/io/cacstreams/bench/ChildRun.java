package io.cacstreams.bench;

import io.cacstreams.verify.ChildApp;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * One cac-streams {@code run} of the packaged jar in a child JVM (as {@code verify} runs it), with what the bench
 * reads off it: when it is RUNNING ({@code /health/ready}), its {@code /metrics}, its peak resident set size
 * ({@code VmHWM} in {@code /proc/<pid>/status}) and the size of its state directory.
 */
final class ChildRun implements AutoCloseable {
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration STOP_GRACE = Duration.ofSeconds(60);

    private final ChildApp app;
    private final Path stateDir;
    private final int opsPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private long startedAt;

    /** @param settings the run's settings; {@code state.dir} and the ops endpoint's address are set here */
    ChildRun(Path jar, Map<String, String> settings, Path stateDir, Path log, List<String> jvmArgs) {
        this.stateDir = stateDir;
        this.opsPort = freePort();
        Map<String, String> s = new TreeMap<>(settings);
        s.put("state.dir", stateDir.toString());
        s.put("cac.ops.host", "127.0.0.1");
        s.put("cac.ops.port", Integer.toString(opsPort));
        s.putIfAbsent("cac.query.port", "0"); // the query API is not measured: any free port, never a clash
        this.app = new ChildApp(jar, s, log, jvmArgs);
    }

    /** A port free now (a race with other processes is possible; the child then fails at start and says so). */
    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts the child; returns {@link System#nanoTime()} of the start. */
    long start() throws IOException {
        startedAt = System.nanoTime();
        app.start();
        return startedAt;
    }

    /** Waits until the child answers ready (Kafka Streams RUNNING); returns {@link System#nanoTime()} then. */
    long awaitRunning(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        URI ready = URI.create("http://127.0.0.1:" + opsPort + "/health/ready");
        while (System.nanoTime() < deadline) {
            checkAlive();
            try {
                var r = http.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(2)).GET().build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) return System.nanoTime();
            } catch (IOException notYet) {
                // the endpoint is not up yet
            }
            Thread.sleep(POLL.toMillis());
        }
        throw new IllegalStateException("the child did not reach RUNNING within " + timeout + " (see " + app.log()
                + ")");
    }

    void checkAlive() {
        if (!app.isAlive()) throw new IllegalStateException("the child exited (see " + app.log() + ")");
    }

    /** The child's {@code /metrics} (Prometheus text). */
    String scrape() throws IOException, InterruptedException {
        var r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + opsPort + "/metrics"))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) throw new IOException("GET /metrics: " + r.statusCode());
        return r.body();
    }

    /** The child's peak resident set size so far in KiB ({@code VmHWM}); -1 where /proc cannot tell (not Linux). */
    long peakRssKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(app.pid()), "status"))) {
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    /** Stops the child cleanly (SIGTERM: Kafka Streams closes, stores flush); its exit status. */
    int stop() throws InterruptedException {
        return app.stop(STOP_GRACE);
    }

    /** Bytes of every file under the state directory. */
    long stateBytes() throws IOException {
        if (!Files.isDirectory(stateDir)) return 0;
        try (Stream<Path> files = Files.walk(stateDir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException gone) {
                    return 0; // deleted while walking
                }
            }).sum();
        }
    }

    /** Deletes the state directory (once measured: a long backlog leaves hundreds of MB). */
    void deleteState() throws IOException {
        if (!Files.isDirectory(stateDir)) return;
        try (Stream<Path> files = Files.walk(stateDir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    Path log() {
        return app.log();
    }

    @Override
    public void close() throws InterruptedException {
        app.close();
    }
}
