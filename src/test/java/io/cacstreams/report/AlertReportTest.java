package io.cacstreams.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cacstreams.config.AlertThresholds;
import io.cacstreams.report.AlertReport.Target;
import io.cacstreams.report.EpisodeMatcher.Criteria;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The targets, the table and the JSON of the alert report, on hand-made rows (days since a start at 0). */
class AlertReportTest {
    private static final long DAY = 86_400_000L;
    /** Below 3 from day 2 to day 9 (7 days), then fine. */
    private static final double[] DROP = {5, 4, 2.9, 2.5, 2, 2, 2.2, 2.8, 2.95, 3.1, 5, 5, 5, 5, 5};
    private static final double[] FINE = {5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5};
    private static final AlertReport.Run RUN = new AlertReport.Run("hand-made", 15, 42, "1970-01-01T00:00:00Z", 0,
            0, 0, 0, 0);

    private static AlertReport report(AlertReport.Input... rows) {
        return AlertReport.of("2026-01-01T00:00:00Z", RUN, AlertReport.Rule.of(AlertThresholds.defaults(), List.of()),
                Criteria.defaults(), 0, List.of(rows));
    }

    private static AlertReport.Input row(String channel, int window, double[] truth, AlertSpan... alerts) {
        return new AlertReport.Input(channel, window, new TruthSeries(0, DAY, truth), List.of(alerts), 0);
    }

    private static AlertSpan alert(String id, double fired, Double resolved) {
        return new AlertSpan(id, (long) (fired * DAY), resolved == null ? null : (long) (resolved * DAY), 0);
    }

    @Test
    void allTargetsMet() {
        AlertReport r = report(row("social", 7, DROP, alert("a", 5.5, 10.0)), row("search", 7, FINE));
        assertThat(r.targets()).extracting(Target::met).containsExactly(true, true, true);
        assertThat(r.targets()).extracting(Target::value)
                .containsExactly("1 of 1 episodes", "0 false FIRINGs", "slowest 3.5 days (social)");
        assertThat(r.targetsMet()).isTrue();
    }

    @Test
    void aLateDetectionAFalseFiringAndAFlap() {
        AlertReport r = report(
                row("social", 7, DROP, alert("a", 6.5, 10.0)),                     // 4.5 days after the start
                row("social", 30, DROP, alert("b", 3, 5.0), alert("c", 6, 11.0)),  // two FIRINGs for one drop
                row("search", 7, FINE, alert("d", 3, 4.0)));                        // never below 3.3: false
        assertThat(r.targets()).extracting(Target::met).containsExactly(false, false, false);
        assertThat(r.targets()).extracting(Target::value)
                .containsExactly("1 of 2 episodes", "1 false FIRINGs (search 7d)", "slowest 4.5 days (social)");
        assertThat(r.rows().get(1).firings()).isEqualTo(2);
        assertThat(r.rows().get(2).alerts()).extracting(AlertReport.AlertRow::verdict).containsExactly("false");
        // the 30-day window's detection (1 day) does not count for the 7-day target
        assertThat(r.rows().get(1).maxDetectDays()).isEqualTo(1.0);
    }

    @Test
    void anUndetectedWeekAndNoConversionsFiringsAreFalse() {
        AlertReport.Input noConversions = new AlertReport.Input("email", 7, new TruthSeries(0, DAY, FINE), List.of(),
                1);
        AlertReport r = report(row("social", 7, DROP), noConversions);
        assertThat(r.targets()).extracting(Target::value)
                .containsExactly("0 of 1 episodes", "1 false FIRINGs (email 7d)", "an episode never detected");
        assertThat(r.targets()).extracting(Target::met).containsExactly(false, false, false);
    }

    @Test
    void printsATableAndWritesJson(@TempDir Path dir) throws Exception {
        AlertReport.Input social = new AlertReport.Input("social", 7, new TruthSeries(0, DAY, DROP),
                List.of(alert("a", 5.5, 10.0)), 0, Map.of("a", new AlertReport.Band(1.7, 0.9, 2.95)),
                Map.of("a", new AlertReport.Band(5.0, 3.1, null)));
        AlertReport r = report(social, row("search", 7, FINE));
        StringWriter text = new StringWriter();
        r.print(new PrintWriter(text, true));
        // channel, window, lowest true ratio, episodes, FIRINGs, RESOLVED, false, dip, detect, resolve, one each
        assertThat(text.toString()).containsPattern("social +7d +2.00 +1 +1 +1 +0 +0 +3.5 +1.0 +yes")
                .containsPattern("search +7d +5.00 +0 +0 +0 +0 +0 +- +- +-")
                .contains("social 7d: true episode days 2.0-9.0 (7.0 days), 1 FIRING(s)",
                        "social 7d: FIRING day 5.50 at 1.70 [0.90, 2.95], RESOLVED day 10.00 at 5.00 [3.10, unbounded]:"
                                + " episode", "targets (issue 10):");
        Path file = r.write(dir);
        assertThat(dir.resolve("alert-report-latest.json")).hasSameTextualContentAs(file);
        JsonNode json = new ObjectMapper().readTree(file.toFile());
        assertThat(json.get("rows")).hasSize(2);
        assertThat(json.get("rows").get(0).get("episodes").get(0).get("detectDays").asDouble()).isEqualTo(3.5);
        assertThat(json.get("criteria").get("minEpisodeDays").asDouble()).isEqualTo(5.0);
        assertThat(json.get("rule").get("confidence").asDouble()).isEqualTo(0.9);
        assertThat(json.get("targets")).hasSize(3);
        JsonNode fired = json.get("rows").get(0).get("alerts").get(0).get("fired");
        assertThat(fired.get("upper").asDouble()).isEqualTo(2.95);
    }
}
