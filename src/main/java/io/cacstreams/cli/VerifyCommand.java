package io.cacstreams.cli;

import io.cacstreams.config.AppConfig;
import io.cacstreams.config.ConfigException;
import io.cacstreams.config.Durations;
import io.cacstreams.runtime.ClientProperties;
import io.cacstreams.verify.ChildApp;
import io.cacstreams.verify.VerifyRun;
import io.cacstreams.verify.VerifySummary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Checks a cluster end to end: a known stream in, cac-streams in a child JVM (killed with SIGKILL and restarted
 * {@code --kills} times), every final figure recomputed independently and compared. Exit 0 only with no mismatch.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Produce a known event stream (with bad records and duplicates) into topics of its own, run "
                + "cac-streams on it in a child process (optionally killing it with kill -9 and restarting it), and "
                + "compare every final figure with an independent recomputation. Exit status 1 on any mismatch.")
final class VerifyCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options = new ConfigOptions();

    @Option(names = "--days", defaultValue = "20", description = "Simulated days of events (default ${DEFAULT-VALUE}).")
    int days;

    @Option(names = "--volume", defaultValue = "0.3", description = "Volume relative to the demo market (default ${DEFAULT-VALUE}).")
    double volume;

    @Option(names = "--seed", defaultValue = "7", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--bad-share", defaultValue = "0.02", description = "Share of bad records (default ${DEFAULT-VALUE}).")
    double badShare;

    @Option(names = "--duplicate-share", defaultValue = "0.02", description = "Share of re-sent events (default ${DEFAULT-VALUE}).")
    double duplicateShare;

    @Option(names = "--kills", defaultValue = "0", description = "kill -9 and restart the child this many times (default ${DEFAULT-VALUE}).")
    int kills;

    @Option(names = "--timeout", defaultValue = "5m", description = "How long to wait for processing to finish (default ${DEFAULT-VALUE}).")
    String timeout;

    @Option(names = "--soak", paramLabel = "DURATION", description = "Soak: produce the --days of events evenly over "
            + "this long (e.g. 2m) while the child runs, sampling its resident set size (/proc/<pid>/status); fail if "
            + "it keeps growing (median of the last third of the samples more than 10%% + 24 MiB above the middle "
            + "third's). The child's heap is then fixed (-Xms = -Xmx, pre-touched) so that only real growth shows.")
    String soak;

    @Option(names = "--rss-sample-interval", defaultValue = "3s", paramLabel = "DURATION",
            description = "How often --soak samples the child's RSS (default ${DEFAULT-VALUE}).")
    String rssSampleInterval;

    @Option(names = "--resend-old-batch", defaultValue = "0.05", paramLabel = "SHARE",
            description = "Once everything else is produced, re-send this share of the good events, 8 to 60 days"
                    + " older than the newest (half the span on shorter runs), unchanged: each must be counted once"
                    + " (default ${DEFAULT-VALUE}; 0: no old batch).")
    double resendOldBatch;

    @Option(names = "--jar", paramLabel = "JAR", description = "The cac-streams jar the child runs (default: this one).")
    Path jar;

    @Option(names = "--work-dir", paramLabel = "DIR", description = "Logs and state of the child (default: a temp dir).")
    Path workDir;

    @Spec
    CommandSpec spec;

    private final Map<String, String> env;

    VerifyCommand(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public Integer call() throws Exception {
        AppConfig cfg = options.load(env);
        if (cfg.kafka().get("bootstrap.servers") == null) throw new ConfigException("bootstrap.servers", "required");
        if (kills < 0) throw new ConfigException("--kills", "must be >= 0");
        if (resendOldBatch < 0 || resendOldBatch > 1) {
            throw new ConfigException("--resend-old-batch", "must be in [0, 1]");
        }
        Path dir = workDir != null ? Files.createDirectories(workDir) : Files.createTempDirectory("cac-verify");
        Map<String, String> settings = new java.util.TreeMap<>(cfg.toSettings());
        settings.putIfAbsent("state.dir", dir.resolve("state").toString());
        settings.putIfAbsent("cac.ops.port", "0");
        settings.putIfAbsent("cac.query.port", "0");
        settings.putIfAbsent("commit.interval.ms", "2000"); // transactions stay open long enough for kills to hit them
        java.time.Duration soakFor = soak == null ? null : Durations.parse("--soak", soak);
        VerifyRun.Options o = new VerifyRun.Options(days, volume, seed, badShare, duplicateShare, kills,
                Durations.parse("--timeout", timeout), jar != null ? jar : ChildApp.ownJar(),
                soakFor == null ? List.of("-Xmx512m") : List.of("-Xms512m", "-Xmx512m", "-XX:+AlwaysPreTouch"), dir);
        PrintStream out = System.out;
        VerifyRun run = new VerifyRun(AppConfig.from(settings), ClientProperties.of(cfg), o);
        run.withOldBatch(resendOldBatch);
        if (soakFor != null) run.withSoak(soakFor, Durations.parse("--rss-sample-interval", rssSampleInterval));
        VerifySummary s = run.run(out);
        s.print(out);
        return s.ok() ? Main.EXIT_OK : Main.EXIT_FAILED;
    }
}
