package io.cacstreams.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cacstreams.testing.DebianPackages;
import io.cacstreams.testing.DebianPackages.Dependencies;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Alertmanager (Debian's {@code prometheus-alertmanager}: the installed one, else the package unpacked under
 * target/ by {@link DebianPackages}) as a child process of the test: its own config and storage in a temporary
 * directory, listening on a free loopback port, clustering off.
 */
final class AlertmanagerProcess implements AutoCloseable {
    private static final List<String> PACKAGES = List.of("prometheus-alertmanager");
    private static final String BINARY = "/usr/bin/prometheus-alertmanager";
    /** Where Debian's build reads its default template (default.tmpl) and web UI from: a constant of the binary. */
    private static final String DATA = "/usr/share/prometheus/alertmanager";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final URI url;
    private final Path log;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private AlertmanagerProcess(Process process, URI url, Path log) {
        this.process = process;
        this.url = url;
        this.log = log;
    }

    /** How to run Alertmanager: the executable, and the directory to run it in ({@code null}: the test's). */
    record Binary(Path executable, Path workingDirectory) {

        File directory() {
            return workingDirectory == null ? null : workingDirectory.toFile();
        }
    }

    /** The Alertmanager to run: installed, or unpacked (a Go binary needing only the C library) and relocated. */
    static Binary binary() throws DebianPackages.Unavailable, IOException, InterruptedException {
        DebianPackages.Tree tree = DebianPackages.find("prometheus-alertmanager", PACKAGES, Dependencies.NONE, BINARY);
        return tree.unpacked().isEmpty() ? new Binary(Path.of(BINARY), null) : relocated(tree);
    }

    /**
     * Debian's build reads its default template from {@value #DATA}/default.tmpl, a path no flag or setting changes,
     * and fails without it; an unpacked package has it elsewhere. A copy of the binary whose constant {@value #DATA}
     * is turned into a relative path of the same length ({@code ./} 17 times) reads it (and the web UI) from its
     * working directory instead: the unpacked package's {@value #DATA}. Nothing else of the binary changes.
     */
    private static Binary relocated(DebianPackages.Tree tree) throws DebianPackages.Unavailable, IOException {
        Path original = tree.file(BINARY);
        Path copy = original.resolveSibling("prometheus-alertmanager.relocated");
        if (!Files.exists(copy)) {
            byte[] from = DATA.getBytes(StandardCharsets.US_ASCII);
            byte[] to = "./".repeat(from.length / 2).getBytes(StandardCharsets.US_ASCII);
            byte[] bytes = Files.readAllBytes(original);
            int replaced = 0;
            for (int i = 0; i + from.length <= bytes.length; i++) {
                if (Arrays.equals(bytes, i, i + from.length, from, 0, from.length)) {
                    System.arraycopy(to, 0, bytes, i, to.length);
                    replaced++;
                }
            }
            if (replaced == 0 || from.length != to.length) {
                throw new DebianPackages.Unavailable(original + " does not read its data from " + DATA
                        + " as Debian's 0.25 build does, so it cannot be run from where it was unpacked", PACKAGES);
            }
            Path partial = Files.write(copy.resolveSibling(copy.getFileName() + ".partial"), bytes);
            Files.setPosixFilePermissions(partial, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.move(partial, copy, StandardCopyOption.ATOMIC_MOVE);
        }
        return new Binary(copy, tree.file(DATA));
    }

    /** Starts {@code binary} with {@code resolve_timeout} and waits until {@code /-/ready} answers 200. */
    static AlertmanagerProcess start(Binary binary, Path dir, Path log, Duration resolveTimeout) throws IOException {
        Path config = dir.resolve("alertmanager.yml");
        Files.writeString(config, String.join("\n",
                "global:",
                "  resolve_timeout: " + resolveTimeout.toSeconds() + "s",
                "route:",
                "  receiver: blackhole",
                "  group_wait: 1s",
                "receivers:",
                "  - name: blackhole",
                ""));
        Files.createDirectories(log.toAbsolutePath().getParent());
        IOException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            int port = freePort();
            List<String> command = new ArrayList<>(List.of(binary.executable().toString(),
                    "--config.file=" + config, "--storage.path=" + dir.resolve("data"),
                    "--web.listen-address=127.0.0.1:" + port, "--cluster.listen-address="));
            Files.writeString(log, "# " + String.join(" ", command) + "\n", StandardCharsets.UTF_8);
            Process p = new ProcessBuilder(command).directory(binary.directory()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            AlertmanagerProcess am = new AlertmanagerProcess(p, URI.create("http://127.0.0.1:" + port), log);
            try {
                am.awaitReady(Duration.ofSeconds(30));
                return am;
            } catch (IOException e) {
                am.close();
                last = e; // most likely the port was taken meanwhile: try another
            }
        }
        throw last;
    }

    URI url() {
        return url;
    }

    /** {@code GET /api/v2/alerts}: the alerts Alertmanager holds as active (resolved ones are not listed). */
    JsonNode alerts() throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(url.resolve("/api/v2/alerts"))
                .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) throw new IOException("GET /api/v2/alerts: HTTP " + r.statusCode() + " " + r.body());
        return JSON.readTree(r.body());
    }

    private void awaitReady(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        HttpRequest ready = HttpRequest.newBuilder(url.resolve("/-/ready")).timeout(Duration.ofSeconds(2)).GET().build();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) throw new IOException("alertmanager exited: " + Files.readString(log));
            try {
                if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) return;
            } catch (IOException notYet) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            try {
                Thread.sleep(100); // polling readiness, bounded by the deadline
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
        throw new IOException("alertmanager not ready within " + timeout + ": " + Files.readString(log));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
