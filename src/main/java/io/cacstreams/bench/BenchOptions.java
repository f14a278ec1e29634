package io.cacstreams.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What one {@code bench} run measures and how.
 *
 * @param events          input events (spend, leads, conversions, churns; fx rates come on top) of the backlog the
 *                        plain consumer and the {@code run}s process (default 100,000)
 * @param rate            input events per second of the latency phase (default 5,000)
 * @param latencyFor      how long the latency phase produces (default 20 s; zero skips the phase, and with it the
 *                        task metrics)
 * @param scaleCheck      also run exactly-once on 4 x {@code events} (default off)
 * @param jar             the cac-streams jar the children run (default: this one)
 * @param childJvmArgs    JVM options of every child (default {@code -Xmx512m})
 * @param workDir         children's logs and state directories
 * @param outputDir       where the JSON report goes (default {@code target})
 * @param timeout         how long one run may take to drain (default 30 min)
 * @param seed            seed of the synthetic market (default 42)
 * @param childSettings   settings of every child on top of the bench's own (from {@code --set}, the config file
 *                        and the environment)
 */
public record BenchOptions(long events, int rate, Duration latencyFor, boolean scaleCheck, Path jar,
                           List<String> childJvmArgs, Path workDir, Path outputDir, Duration timeout, long seed,
                           Map<String, String> childSettings) {
    public static final long DEFAULT_EVENTS = 100_000;
    public static final int DEFAULT_RATE = 5_000;
    public static final Duration DEFAULT_LATENCY_FOR = Duration.ofSeconds(20);
    public static final List<String> DEFAULT_CHILD_JVM_ARGS = List.of("-Xmx512m");

    public BenchOptions {
        if (events <= 0) throw new IllegalArgumentException("--events must be > 0");
        if (rate <= 0) throw new IllegalArgumentException("--rate must be > 0");
        if (latencyFor.isNegative()) throw new IllegalArgumentException("--latency-duration must be >= 0");
        childJvmArgs = List.copyOf(childJvmArgs);
        childSettings = Map.copyOf(childSettings);
    }
}
