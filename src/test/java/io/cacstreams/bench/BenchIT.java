package io.cacstreams.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code bench} as users run it, CI-sized: the packaged jar starts its own in-JVM broker and Apicurio Registry and
 * measures every phase on 20,000 events (the latency phase shortened to 5 s at 1,000 events/s). It checks that every
 * figure is there and consistent, never how good it is: the figures are the benchmark's, not the test's.
 */
@Tag("bench")
class BenchIT {
    private static final Path JAR = Path.of(System.getProperty("cac.jar", "target/cac-streams.jar"));
    private static final long EVENTS = 20_000;
    private static final int RATE = 1_000;
    private static final int LATENCY_SECONDS = 5;

    @Test
    void benchMeasuresEveryPhaseAndWritesTheReport(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-jar",
                JAR.toString(), "bench", "--events", Long.toString(EVENTS), "--rate", Integer.toString(RATE),
                "--latency-duration", LATENCY_SECONDS + "s", "--timeout", "5m", "--work-dir",
                dir.resolve("work").toString(), "--output-dir", out.toString()));
        long began = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("bench.log").toFile()).start();
        boolean exited = p.waitFor(20, TimeUnit.MINUTES);
        if (!exited) {
            p.destroy(); // SIGTERM: its shutdown hooks stop the child `run` and the registry
            if (!p.waitFor(1, TimeUnit.MINUTES)) p.destroyForcibly();
        }
        String log = Files.readString(dir.resolve("bench.log"), StandardCharsets.UTF_8);
        System.out.println(log);
        System.out.printf("bench --events %d took %.0f s%n", EVENTS, (System.nanoTime() - began) / 1e9);
        assertThat(exited).as("bench finished").isTrue();
        assertThat(p.exitValue()).as(log).isZero();
        assertThat(log).contains("plain consumer + Avro decode", "Kafka Streams floor", "run exactly_once_v2",
                "run at_least_once",
                "latency at 1,000 events/s", "records processed per task", "targets (issue 9):");

        JsonNode r = new ObjectMapper().readTree(out.resolve("bench-latest.json").toFile());
        assertThat(Files.list(out).filter(f -> f.getFileName().toString().matches("bench-\\d{4}.*\\.json")))
                .as("the timestamped report next to bench-latest.json").hasSize(1);
        assertThat(r.get("events").asLong()).isEqualTo(EVENTS);
        assertThat(r.get("plainConsumer").get("records").asLong()).isEqualTo(EVENTS);
        assertThat(r.get("plainConsumer").get("recordsPerSecond").asDouble()).isPositive();

        JsonNode floor = r.get("floor");
        assertThat(floor.get("events").asLong()).as("the floor reads back a record per event").isEqualTo(EVENTS);
        assertThat(floor.get("eventsPerSecond").asDouble()).isCloseTo(EVENTS / floor.get("seconds").asDouble(),
                Percentage.withPercentage(0.1));

        JsonNode runs = r.get("runs");
        assertThat(runs).hasSize(2);
        Set<String> guarantees = new HashSet<>();
        Set<String> applicationIds = new HashSet<>();
        for (JsonNode run : runs) {
            guarantees.add(run.get("guarantee").asText());
            applicationIds.add(run.get("applicationId").asText());
            assertThat(run.get("events").asLong()).isEqualTo(EVENTS);
            assertThat(run.get("seconds").asDouble()).isPositive();
            assertThat(run.get("eventsPerSecond").asDouble()).isCloseTo(EVENTS / run.get("seconds").asDouble(),
                    Percentage.withPercentage(0.1));
            assertThat(run.get("stateBytes").asLong()).as("state written by the run").isPositive();
            assertThat(run.get("peakRssMiB").asLong()).as("peak RSS read from /proc").isPositive();
        }
        assertThat(guarantees).containsExactlyInAnyOrder("exactly_once_v2", "at_least_once");
        assertThat(applicationIds).as("a fresh application id per run").hasSize(2);

        JsonNode latency = r.get("latency");
        assertThat(latency.get("events").asInt()).isEqualTo(RATE * LATENCY_SECONDS);
        assertThat(latency.get("measured").asInt()).as("leads, conversions and churns among them")
                .isPositive().isLessThan(RATE * LATENCY_SECONDS);
        assertThat(latency.get("unreflected").asInt()).as("every event reflected by a metrics record once drained")
                .isZero();
        assertThat(latency.get("p50Ms").asLong()).isNotNegative()
                .isLessThanOrEqualTo(latency.get("p99Ms").asLong());
        assertThat(latency.get("p99Ms").asLong()).isLessThanOrEqualTo(latency.get("maxMs").asLong());

        JsonNode tasks = r.get("tasks");
        long processed = 0;
        for (JsonNode n : tasks.get("perTask")) processed += n.asLong();
        assertThat(processed).as("records processed by all tasks (each input record at least once)")
                .isGreaterThanOrEqualTo(RATE * LATENCY_SECONDS);
        assertThat(tasks.get("subTopologies")).isNotEmpty();
        for (JsonNode s : tasks.get("subTopologies")) {
            assertThat(s.get("max").asLong()).isLessThanOrEqualTo(s.get("total").asLong());
        }

        JsonNode targets = r.get("targets");
        assertThat(targets).hasSize(5);
        for (JsonNode t : targets) {
            boolean scale = t.get("name").asText().equals("cost per event flat");
            assertThat(t.get("met").isNull()).as("measured: " + t).isEqualTo(scale);
        }
    }
}
