package io.cacstreams.verify;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * The child instances of one run, all of the same application id, each with its own state directory, log and ops
 * port. The first is started before {@link Chaos#run}; every instance still meant to run at the end is checked to be
 * alive. Counts the kills and restarts, and keeps the steps (with their times) for the summary.
 */
public final class Instances implements AutoCloseable {
    private final VerifyRun.Options options;
    private final Map<String, String> settings;
    private final String runId;
    private final PrintStream log;
    private final Random random;
    private final List<ChildApp> apps = new ArrayList<>();
    private final Set<ChildApp> down = new HashSet<>();
    private final List<String> events = new ArrayList<>();
    private final long t0 = System.nanoTime();
    private int kills;
    private int restarts;

    Instances(VerifyRun.Options options, Map<String, String> settings, String runId, PrintStream log, Random random) {
        this.options = options;
        this.settings = settings;
        this.runId = runId;
        this.log = log;
        this.random = random;
    }

    /** Starts a new instance (the next index) with its own state directory and log. */
    public synchronized ChildApp startNew() throws IOException {
        int i = apps.size();
        Map<String, String> s = new TreeMap<>(settings);
        Path base = s.containsKey("state.dir") ? Path.of(s.get("state.dir")) : options.workDir().resolve("state");
        s.put("state.dir", base.resolve(runId + "-i" + i).toString());
        ChildApp app = new ChildApp(options.jar(), s, options.workDir().resolve("app-" + runId + "-i" + i + ".log"),
                options.jvmArgs());
        apps.add(app);
        app.start();
        note("start instance " + i + " (log " + app.log() + ")");
        return app;
    }

    public synchronized ChildApp get(int i) {
        return apps.get(i);
    }

    public synchronized List<ChildApp> all() {
        return List.copyOf(apps);
    }

    /** kill -9; the instance counts as meant to be down until {@link #restart}ed. */
    public void kill(ChildApp app) throws InterruptedException {
        app.kill();
        synchronized (this) {
            kills++;
            down.add(app);
        }
        note("kill -9 instance " + apps.indexOf(app));
    }

    public void restart(ChildApp app) throws IOException {
        app.start();
        synchronized (this) {
            restarts++;
            down.remove(app);
        }
        note("restart instance " + apps.indexOf(app));
    }

    /** Logs a step with the time since the first start (also kept for the summary). */
    public synchronized void note(String what) {
        String line = String.format(Locale.ROOT, "  +%6.1fs %s", (System.nanoTime() - t0) / 1e9, what);
        events.add(line.trim());
        log.println(line);
    }

    public Random random() {
        return random;
    }

    public String runId() {
        return runId;
    }

    /** The run's settings (its topics, application id), without the per-instance state directory. */
    public Map<String, String> settings() {
        return Collections.unmodifiableMap(settings);
    }

    synchronized int kills() {
        return kills;
    }

    synchronized int restarts() {
        return restarts;
    }

    synchronized List<String> steps() {
        return List.copyOf(events);
    }

    synchronized List<String> notRunning() {
        List<String> out = new ArrayList<>();
        for (ChildApp a : apps) {
            if (!down.contains(a) && !a.isAlive()) {
                out.add("instance " + apps.indexOf(a) + " is not running at the end (see " + a.log() + ")");
            }
        }
        return out;
    }

    @Override
    public void close() throws InterruptedException {
        for (ChildApp a : all()) a.close();
    }
}
