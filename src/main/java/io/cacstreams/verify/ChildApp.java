package io.cacstreams.verify;

import io.cacstreams.config.ConfigLoader;

import java.io.File;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * A cac-streams {@code run} in a child JVM, so that a kill is a real {@code kill -9}: no shutdown hook, no flush,
 * transactions left open for the broker to abort.
 *
 * <p>The settings, secrets among them (a JAAS config, the registry's basic auth), do not go on the command line,
 * where {@code ps} shows them to every user of the machine: they go to a properties file readable by the owner only
 * (POSIX {@code rw-------}), next to the log, passed as {@code --config FILE} and deleted by {@link #close()} (or when
 * this JVM exits). The child gets no {@code KAFKA_*}/{@code CAC_*} setting variables from this process's environment,
 * which would override the file: it runs with exactly the given settings.
 */
public final class ChildApp implements AutoCloseable {
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final List<String> command;
    private final Map<String, String> settings;
    private final Path configFile;
    private final Path log;
    private volatile Process process;
    private boolean hookInstalled;
    private int starts;

    /**
     * @param jar      the packaged cac-streams jar
     * @param settings every setting of the run (written to the {@link #configFile() config file})
     * @param log      where the child's stdout and stderr go (appended across restarts); the config file goes in the
     *                 same directory
     */
    public ChildApp(Path jar, Map<String, String> settings, Path log, List<String> jvmArgs) {
        String name = log.getFileName().toString();
        this.configFile = log.resolveSibling((name.endsWith(".log") ? name.substring(0, name.length() - 4) : name)
                + ".config.properties");
        List<String> c = new ArrayList<>();
        c.add(ProcessHandle.current().info().command().orElse("java"));
        c.addAll(jvmArgs);
        c.add("-jar");
        c.add(jar.toString());
        c.add("run");
        c.add("--config");
        c.add(configFile.toString());
        this.command = List.copyOf(c);
        this.settings = new TreeMap<>(settings);
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
        Files.writeString(log, "\n=== start " + (++starts) + " ===\n", StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        writeConfigFile();
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().keySet().removeIf(ChildApp::isSettingVariable);
        process = pb.start();
        if (!hookInstalled) {
            hookInstalled = true; // no orphan `run` (nor its secrets on disk) when this JVM exits (a test failure, Ctrl-C)
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                Process p = process;
                if (p != null && p.isAlive()) p.destroyForcibly();
                deleteConfigFile();
            }, "cac-child-app-reaper"));
        }
    }

    /** Whether {@link ConfigLoader} would read the environment variable {@code name} as a setting. */
    private static boolean isSettingVariable(String name) {
        return !ConfigLoader.fromEnvironment(Map.of(name, "")).settings().isEmpty();
    }

    /** (Re)writes the settings, created owner-only from the start (not made so afterwards). */
    private void writeConfigFile() throws IOException {
        Files.deleteIfExists(configFile);
        if (configFile.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.createFile(configFile, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } else {
            Files.createFile(configFile);
            File f = configFile.toFile();
            boolean ownerOnly = f.setReadable(false, false) && f.setReadable(true, true)
                    && f.setWritable(false, false) && f.setWritable(true, true);
            if (!ownerOnly) throw new IOException("cannot make " + configFile + " readable by its owner only");
        }
        Properties p = new Properties();
        p.putAll(settings);
        try (Writer out = Files.newBufferedWriter(configFile, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING)) {
            p.store(out, "settings of a cac-streams run started by ChildApp; deleted when it is closed");
        }
    }

    private void deleteConfigFile() {
        try {
            Files.deleteIfExists(configFile);
        } catch (IOException ignored) {
            // best effort: the directory may be gone already
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

    /** The properties file with the settings (it exists from the first {@link #start()} to {@link #close()}). */
    public Path configFile() {
        return configFile;
    }

    /** The child's command line (the same for every start). */
    public List<String> command() {
        return command;
    }

    /** Stops the child (see {@link #stop}) and deletes its config file. */
    @Override
    public void close() throws InterruptedException {
        try {
            stop(Duration.ofSeconds(20));
        } finally {
            deleteConfigFile();
        }
    }
}
