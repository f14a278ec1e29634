package io.cacstreams.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code demo --alert-report} as users run it, on a short market: the packaged jar starts the demo's stack, runs 30
 * simulated days through cac-streams, prints the report and writes its JSON. It checks that the report is complete
 * and consistent, never how good the alerts are: those figures are the report's, not the test's.
 */
class AlertReportIT {
    private static final Path JAR = Path.of(System.getProperty("cac.jar", "target/cac-streams.jar"));
    private static final int DAYS = 30;
    private static final List<String> CHANNELS = List.of("paid_search", "paid_social", "organic", "email", "referral",
            "affiliate", "ALL");

    @Test
    void reportsEveryChannelAndWindowAndWritesTheJson(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        List<String> cmd = List.of(ProcessHandle.current().info().command().orElse("java"), "-jar", JAR.toString(),
                "demo", "--alert-report", "--days", Integer.toString(DAYS), "--output-dir", out.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("report.log").toFile()).start();
        boolean exited = p.waitFor(10, TimeUnit.MINUTES);
        if (!exited) p.destroyForcibly();
        String log = Files.readString(dir.resolve("report.log"), StandardCharsets.UTF_8);
        System.out.println(log);
        assertThat(exited).as("the report finished").isTrue();
        assertThat(p.exitValue()).as(log).isZero();
        assertThat(log).contains("cac-streams alert report", "targets (issue 10):", "one FIRING, one RESOLVED",
                "no false FIRING", "7-day window detects in time", "alert-report-latest.json");

        JsonNode r = new ObjectMapper().readTree(out.resolve("alert-report-latest.json").toFile());
        assertThat(Files.list(out).filter(f -> f.getFileName().toString().matches("alert-report-\\d{4}.*\\.json")))
                .as("the timestamped report next to alert-report-latest.json").hasSize(1);
        JsonNode run = r.get("run");
        assertThat(run.get("days").asInt()).isEqualTo(DAYS);
        assertThat(run.get("seed").asLong()).isEqualTo(42);
        assertThat(run.get("marketStart").asText()).isEqualTo(AlertReportRun.MARKET_START.toString());
        assertThat(run.get("events").asLong()).as("records produced").isPositive();
        assertThat(run.get("settledRecords").asLong()).isPositive();
        assertThat(run.get("deadLetters").asLong()).as("the market's bad records").isPositive();
        assertThat(r.get("rule").get("confidence").asDouble()).isBetween(0.0, 1.0);

        Set<String> keys = new HashSet<>();
        for (JsonNode row : r.get("rows")) {
            String key = row.get("channel").asText() + "|" + row.get("windowDays").asInt();
            keys.add(key);
            int firings = row.get("firings").asInt();
            assertThat(row.get("alerts")).as(key).hasSize(firings);
            assertThat(row.get("resolved").asInt()).as(key).isBetween(0, firings);
            assertThat(row.get("falseFirings").asInt() + row.get("dipFirings").asInt()).as(key)
                    .isLessThanOrEqualTo(firings);
            for (JsonNode a : row.get("alerts")) {
                assertThat(a.get("verdict").asText()).isIn("episode", "dip", "false");
                assertThat(a.get("firedDay").asDouble()).as(key + ": evaluated on a full window")
                        .isBetween((double) row.get("windowDays").asInt(), (double) DAYS);
            }
            for (JsonNode e : row.get("episodes")) {
                assertThat(e.get("durationDays").asDouble()).as(key).isGreaterThanOrEqualTo(5.0);
                assertThat(e.get("endDay").asDouble()).isGreaterThan(e.get("startDay").asDouble());
            }
            if (row.get("windowDays").asInt() > DAYS) {
                assertThat(row.get("lowestTrueRatio").isNull()).as(key + ": never a full window").isTrue();
            }
        }
        Set<String> expected = new HashSet<>();
        for (String c : CHANNELS) for (int w : new int[]{7, 30, 90}) expected.add(c + "|" + w);
        assertThat(keys).isEqualTo(expected);
        assertThat(r.get("targets")).hasSize(3);
        for (JsonNode t : r.get("targets")) assertThat(t.get("met").isBoolean()).as(t.toString()).isTrue();
    }
}
