package io.cacstreams.devstack;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A local Apicurio Registry (in-memory storage) as a child JVM, for the {@code demo} command and the integration
 * tests. {@link #start} finds the Quarkus runner jar, starts it on a free 127.0.0.1 port with its output in a log
 * file, and waits until the Confluent-compatible API answers. {@link #close} stops it and its descendants; a JVM
 * shutdown hook does the same if the owner never gets to close it (Ctrl-C, a failing test). Nothing can stop the
 * child if this JVM is killed with SIGKILL.
 */
public final class ApicurioProcess implements AutoCloseable {
    public static final String RUNNER_JAR = "apicurio-registry-app-2.6.13.Final-runner.jar";
    public static final String CCOMPAT_PATH = "/apis/ccompat/v7";
    public static final Duration DEFAULT_STARTUP_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    private static final int PORT_ATTEMPTS = 3;
    private static final Logger LOG = LoggerFactory.getLogger(ApicurioProcess.class);

    private final Process process;
    private final int port;
    private final Path logFile;
    private final Thread shutdownHook;
    private boolean closed;

    private ApicurioProcess(Process process, int port, Path logFile) {
        this.process = process;
        this.port = port;
        this.logFile = logFile;
        this.shutdownHook = new Thread(this::stop, "apicurio-shutdown-" + process.pid());
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts the registry from the runner jar in {@code dir}, logging to a temporary file, within 60 s. */
    public static ApicurioProcess start(Path dir) throws IOException {
        return start(dir, Files.createTempFile("apicurio-registry-", ".log"), DEFAULT_STARTUP_TIMEOUT);
    }

    /**
     * Starts the registry from the runner jar in {@code dir} (or a direct subdirectory), appending its output to
     * {@code logFile}, and waits until {@code GET <ccompat>/subjects} answers 200.
     *
     * @throws IOException if the jar is missing, the process cannot start, exits early or is not ready in time
     */
    public static ApicurioProcess start(Path dir, Path logFile, Duration startupTimeout) throws IOException {
        Path jar = findRunnerJar(dir);
        long deadline = System.nanoTime() + startupTimeout.toNanos();
        for (int attempt = 1; ; attempt++) {
            int port = freePort();
            ApicurioProcess registry = launch(jar, port, logFile);
            try {
                registry.awaitReady(deadline);
                return registry;
            } catch (PortTakenException e) {
                registry.close();
                if (attempt >= PORT_ATTEMPTS) throw new IOException(e.getMessage());
                LOG.info("port {} was taken before Apicurio Registry bound it, trying another", port);
            } catch (IOException | RuntimeException e) {
                registry.close();
                throw e;
            }
        }
    }

    /** The runner jar in {@code dir} or one of its direct subdirectories. */
    public static Path findRunnerJar(Path dir) throws IOException {
        Path direct = dir.resolve(RUNNER_JAR);
        if (Files.isRegularFile(direct)) return direct;
        if (Files.isDirectory(dir)) {
            try (Stream<Path> paths = Files.find(dir, 2, (p, a) -> a.isRegularFile()
                    && p.getFileName().toString().equals(RUNNER_JAR))) {
                Optional<Path> found = paths.findFirst();
                if (found.isPresent()) return found.get();
            }
        }
        throw new IOException("no " + RUNNER_JAR + " in " + dir.toAbsolutePath()
                + " (mvn generate-resources unpacks it into target/apicurio)");
    }

    private static ApicurioProcess launch(Path jar, int port, Path logFile) throws IOException {
        // C1 only: a short-lived registry starts about twice as fast without C2 compiling in the background.
        List<String> command = List.of(javaExecutable(), "-Xmx256m", "-XX:TieredStopAtLevel=1",
                "-Dquarkus.http.port=" + port,
                "-Dquarkus.http.host=127.0.0.1", "-jar", jar.toAbsolutePath().toString());
        Path parent = logFile.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        Files.writeString(logFile, "# " + String.join(" ", command) + System.lineSeparator(), StandardCharsets.UTF_8);
        Process process = new ProcessBuilder(command)
                .directory(jar.toAbsolutePath().getParent().toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .start();
        LOG.info("starting Apicurio Registry on 127.0.0.1:{} (pid {}, log {})", port, process.pid(), logFile);
        return new ApicurioProcess(process, port, logFile);
    }

    /** The same java as this JVM's. */
    static String javaExecutable() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    private void awaitReady(long deadlineNanos) throws IOException {
        long started = System.nanoTime();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest probe = HttpRequest.newBuilder(URI.create(ccompatUrl() + "/subjects"))
                .timeout(Duration.ofSeconds(2)).GET().build();
        while (true) {
            if (!process.isAlive()) {
                String tail = logTail(40);
                if (tail.contains("Address already in use") || tail.contains("Port already bound")
                        || tail.contains("BindException")) {
                    throw new PortTakenException("Apicurio Registry could not bind port " + port);
                }
                throw new IOException("Apicurio Registry exited with code " + process.exitValue()
                        + " while starting; log " + logFile + ":" + System.lineSeparator() + tail);
            }
            try {
                HttpResponse<Void> response = http.send(probe, HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    LOG.info("Apicurio Registry ready at {} after {} ms", ccompatUrl(),
                            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for Apicurio Registry", e);
            }
            if (System.nanoTime() - deadlineNanos > 0) {
                throw new IOException("Apicurio Registry not ready at " + ccompatUrl() + " within the startup timeout;"
                        + " log " + logFile + ":" + System.lineSeparator() + logTail(40));
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for Apicurio Registry", e);
            }
        }
    }

    /** {@code http://127.0.0.1:PORT/apis/ccompat/v7}, the Confluent-compatible API. */
    public String ccompatUrl() {
        return "http://127.0.0.1:" + port + CCOMPAT_PATH;
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    public Path logFile() {
        return logFile;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The last {@code lines} lines of the log, for error messages. */
    public String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            return String.join(System.lineSeparator(), all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    /** Stops the registry and its descendants and waits for them; idempotent. */
    @Override
    public void close() {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down; the hook is running or has run
        }
    }

    private synchronized void stop() {
        if (closed) return;
        closed = true;
        // Collect the descendants first: once the parent is gone they are reparented and out of reach.
        List<ProcessHandle> descendants = process.descendants().toList();
        descendants.forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("Apicurio Registry (pid {}) ignored SIGTERM for {} s, killing it", process.pid(),
                        STOP_TIMEOUT.toSeconds());
                process.destroyForcibly();
                process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
            for (ProcessHandle child : descendants) {
                child.onExit().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            descendants.forEach(ProcessHandle::destroyForcibly);
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            descendants.forEach(ProcessHandle::destroyForcibly);
        }
        LOG.info("Apicurio Registry on port {} stopped", port);
    }

    @Override
    public String toString() {
        return "ApicurioProcess[pid=" + process.pid() + ", url=" + ccompatUrl() + "]";
    }

    private static final class PortTakenException extends IOException {
        PortTakenException(String message) {
            super(message);
        }
    }
}
