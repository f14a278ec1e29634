package io.cacstreams.verify;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A cac-streams {@code run} in a child JVM, so that a kill is a real {@code kill -9}: no shutdown hook, no flush,
 * transactions left open for the broker to abort.
 */
public final class ChildApp implements AutoCloseable {
    private final List<String> command;
    private final Path log;
    private volatile Process process;
    private boolean hookInstalled;
    private int starts;

    /**
     * @param jar      the packaged cac-streams jar
     * @param settings every setting of the run (passed as {@code --set key=value})
     * @param log      where the child's stdout and stderr go (appended across restarts)
     */
    public ChildApp(Path jar, Map<String, String> settings, Path log, List<String> jvmArgs) {
        List<String> c = new ArrayList<>();
        c.add(ProcessHandle.current().info().command().orElse("java"));
        c.addAll(jvmArgs);
        c.add("-jar");
        c.add(jar.toString());
        c.add("run");
        settings.forEach((k, v) -> {
            c.add("--set");
            c.add(k + "=" + v);
        });
        this.command = List.copyOf(c);
        this.log = log;
    }

    /** The jar this code runs from, when it runs from a jar. */
    public static Path ownJar() {
        try {
            Path p = Path.of(ChildApp.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (!Files.isRegularFile(p)) throw new IllegalStateException("not running from a jar: " + p);
            return p;
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public synchronized void start() throws IOException {
        if (process != null && process.isAlive()) throw new IllegalStateException("already running");
        Files.writeString(log, "\n=== start " + (++starts) + " ===\n", java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        if (!hookInstalled) {
            hookInstalled = true; // no orphan `run` when this JVM exits (a test failure, Ctrl-C)
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                Process p = process;
                if (p != null && p.isAlive()) p.destroyForcibly();
            }, "cac-child-app-reaper"));
        }
    }

    /** SIGKILL, and wait for the process to be gone. */
    public synchronized void kill() throws InterruptedException {
        if (process == null) return;
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM (a clean shutdown), then SIGKILL if it has not exited within {@code grace}. */
    public synchronized int stop(Duration grace) throws InterruptedException {
        if (process == null) return 0;
        process.destroy();
        if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) kill();
        return process.exitValue();
    }

    /** The pid of the current (or last) child process; -1 before the first start. */
    public synchronized long pid() {
        return process == null ? -1 : process.pid();
    }

    /** Waits up to {@code timeout} for the child to exit; its exit status, or null if it is still running. */
    public Integer waitFor(Duration timeout) throws InterruptedException {
        Process p;
        synchronized (this) {
            p = process;
        }
        if (p == null) return null;
        return p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? p.exitValue() : null;
    }

    public synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    public synchronized int starts() {
        return starts;
    }

    public Path log() {
        return log;
    }

    @Override
    public void close() throws InterruptedException {
        stop(Duration.ofSeconds(20));
    }
}
