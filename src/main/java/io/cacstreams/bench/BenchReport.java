package io.cacstreams.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Everything one {@code bench} run measured, the targets next to the figures, as a table and as JSON.
 *
 * @param floor   the engine's floor ({@link EngineFloor}) on the same backlog
 * @param latency null when the latency phase was skipped
 * @param tasks   null when the latency phase (whose child records the task metrics) was skipped
 */
public record BenchReport(String startedAt, Environment environment, long events, long fxRates,
                          double produceSeconds, Plain plainConsumer, Floor floor, List<Run> runs, Latency latency,
                          TaskLoad tasks, List<Target> targets) {

    /** Where it ran. */
    public record Environment(int cores, String java, String stack, List<String> childJvmArgs) {
    }

    /** The plain consumer: every pass, and the best one (the limit). */
    public record Plain(long records, double seconds, double recordsPerSecond, List<Double> passesPerSecond) {
    }

    /** The engine's floor: {@code seconds} from RUNNING until every event's record was read back. */
    public record Floor(long events, double seconds, double eventsPerSecond, double ratioToPlainConsumer) {
    }

    /**
     * One end-to-end {@code run}: {@code seconds} from RUNNING to every output written (startup, JVM start to
     * RUNNING, apart); state measured after a clean stop.
     */
    public record Run(String label, String guarantee, String applicationId, long events, double startupSeconds,
                      double seconds, double eventsPerSecond, double ratioToPlainConsumer, long stateBytes,
                      double stateBytesPerEvent, long peakRssMiB) {
    }

    /**
     * The latency phase: {@code events} input events sent, of which {@code measured} (leads, conversions, churns)
     * are measured.
     */
    public record Latency(int rate, double seconds, int events, int measured, int unreflected, long p50Ms, long p99Ms,
                          long maxMs, long emitIntervalMs, int metricsRecords) {
    }

    /** A target of issue 9, the measured value, and whether it is met (null: not measured in this run). */
    public record Target(String name, String target, String value, Boolean met) {
    }

    public Run run(String label) {
        return runs.stream().filter(r -> r.label().equals(label)).findFirst().orElse(null);
    }

    /** The targets, computed from the figures. */
    static List<Target> targets(Plain plain, Run eos, Run eos4, Latency latency, TaskLoad tasks) {
        List<Target> t = new ArrayList<>();
        t.add(new Target("exactly-once throughput", ">= 25% of the plain consumer",
                pct(eos.ratioToPlainConsumer()), eos.ratioToPlainConsumer() >= 0.25));
        if (eos4 == null) {
            t.add(new Target("cost per event flat", "4x the events, rate within 20%", "not measured (--scale-check)",
                    null));
        } else {
            double r = eos4.eventsPerSecond() / eos.eventsPerSecond();
            t.add(new Target("cost per event flat", "4x the events, rate within 20%",
                    String.format(Locale.ROOT, "%.0f vs %.0f events/s (%s)", eos4.eventsPerSecond(),
                            eos.eventsPerSecond(), pct(r)), Math.abs(r - 1) <= 0.20));
        }
        t.add(new Target("state per input event", "<= 200 bytes",
                String.format(Locale.ROOT, "%.0f bytes", eos.stateBytesPerEvent()), eos.stateBytesPerEvent() <= 200));
        if (latency == null) {
            t.add(new Target("p99 event-to-metric latency", "<= emit interval + 1 s at 5,000 events/s",
                    "not measured (latency phase skipped)", null));
        } else {
            long limit = latency.emitIntervalMs() + 1000;
            t.add(new Target("p99 event-to-metric latency",
                    String.format(Locale.ROOT, "<= %d ms (emit interval + 1 s) at 5,000 events/s", limit),
                    String.format(Locale.ROOT, "%d ms at %,d events/s%s", latency.p99Ms(), latency.rate(),
                            latency.unreflected() > 0 ? ", " + latency.unreflected() + " events never reflected" : ""),
                    latency.unreflected() == 0 && latency.p99Ms() >= 0 && latency.p99Ms() <= limit));
        }
        Double worst = tasks == null ? null : tasks.worstMaxToAverage();
        t.add(new Target("work spread over tasks", "no task above 2x the average",
                worst == null ? "not measured" : String.format(Locale.ROOT, "busiest task %.2fx the average", worst),
                worst == null ? null : worst <= 2.0));
        return t;
    }

    private static String pct(double ratio) {
        return String.format(Locale.ROOT, "%.1f%%", ratio * 100);
    }

    public void print(PrintStream out) {
        out.printf(Locale.ROOT, "cac-streams bench, %s: %,d input events (+ %,d fx rates), %d cores, %s%n",
                startedAt, events, fxRates, environment.cores(), environment.stack());
        out.printf(Locale.ROOT, "%-34s %10s %9s %11s %9s %12s %10s%n", "phase", "events", "seconds", "events/s",
                "vs plain", "state B/ev", "peak RSS");
        out.printf(Locale.ROOT, "%-34s %,10d %9.2f %,11.0f %9s%n", "plain consumer + Avro decode",
                plainConsumer.records(), plainConsumer.seconds(), plainConsumer.recordsPerSecond(), "100%");
        out.printf(Locale.ROOT, "%-34s %,10d %9.2f %,11.0f %9s%n", "Kafka Streams floor (exactly-once)",
                floor.events(), floor.seconds(), floor.eventsPerSecond(), pct(floor.ratioToPlainConsumer()));
        for (Run r : runs) {
            out.printf(Locale.ROOT, "%-34s %,10d %9.2f %,11.0f %9s %12.0f %7d MiB%n", "run " + r.label(), r.events(),
                    r.seconds(), r.eventsPerSecond(), pct(r.ratioToPlainConsumer()), r.stateBytesPerEvent(),
                    r.peakRssMiB());
        }
        out.println("  (floor: decode, re-key by event id, one repartition topic, one record out per event; no state)");
        out.println("  (seconds: from RUNNING until drained and the outputs settled; startup apart: "
                + String.join(", ", runs.stream().map(r -> String.format(Locale.ROOT, "%.1f s",
                r.startupSeconds())).toList()) + ")");
        if (latency != null) {
            out.printf(Locale.ROOT, "latency at %,d events/s for %.0f s: p50 %d ms, p99 %d ms, max %d ms over %,d"
                            + " of the %,d events (leads, conversions, churns; %d never reflected), %,d metrics records%n",
                    latency.rate(), latency.seconds(), latency.p50Ms(), latency.p99Ms(), latency.maxMs(),
                    latency.measured(), latency.events(), latency.unreflected(), latency.metricsRecords());
        }
        if (tasks != null) {
            out.println("records processed per task (Kafka Streams process-total, latency phase):");
            for (TaskLoad.Spread s : tasks.subTopologies()) {
                out.printf(Locale.ROOT, "  sub-topology %d: %d tasks, %,d records, busiest %,d, average %,.0f,"
                                + " max/avg %s%n",
                        s.subTopology(), s.tasks(), s.total(), s.max(), s.average(),
                        s.maxToAverage() == null ? "-" : String.format(Locale.ROOT, "%.2f", s.maxToAverage()));
            }
        }
        out.println("targets (issue 9):");
        for (Target t : targets) {
            out.printf(Locale.ROOT, "  %-28s %-52s %-42s %s%n", t.name(), t.target(), t.value(),
                    t.met() == null ? "-" : t.met() ? "met" : "NOT MET");
        }
    }

    /** Writes {@code bench-<startedAt>.json} and {@code bench-latest.json} into {@code dir}; the first's path. */
    public Path write(Path dir) throws IOException {
        Files.createDirectories(dir);
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        Path file = dir.resolve("bench-" + startedAt.replace(":", "") + ".json");
        json.writeValue(file.toFile(), this);
        Files.copy(file, dir.resolve("bench-latest.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return file;
    }
}
