package io.cacstreams.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.cacstreams.config.AlertThresholds;
import io.cacstreams.report.EpisodeMatcher.Criteria;
import io.cacstreams.report.EpisodeMatcher.Matched;
import io.cacstreams.report.EpisodeMatcher.Result;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The alert report of issue 10 (part 3): per (channel, window), the market's true episodes below the threshold and
 * what the LTV:CAC alert did about them ({@link EpisodeMatcher}), and whether the targets hold. Times are simulated
 * days since the market's start.
 *
 * @param run      what ran
 * @param rule     the LTV:CAC rule's default settings ({@code cac.alert.*})
 * @param criteria what counts as a true episode, a false FIRING and a timely detection
 * @param rows     one per (channel, window), channels in the market's order then {@code ALL}, windows ascending
 * @param targets  the targets, computed from the rows (never asserted by a test)
 */
public record AlertReport(String startedAt, Run run, Rule rule, Definitions criteria, List<Row> rows,
                          List<Target> targets) {
    private static final double DAY_MS = 86_400_000.0;
    /** The 7-day window detects within this many days (issue 10). */
    public static final double DETECT_WITHIN_DAYS = 4;
    public static final int DETECT_WINDOW_DAYS = 7;

    /**
     * @param stack          the broker and registry the topology ran on
     * @param days           simulated days judged (the market runs one more, so that all of them settle)
     * @param marketStart    the market's first instant (a fixed date: the same events on every run)
     * @param events         records produced, fx rates, bad records and duplicates included
     * @param produceSeconds wall-clock time to produce them
     * @param settleSeconds  wall-clock time from the first record produced until every window of the judged days
     *                       had settled and its alerts had been read
     * @param deadLetters    dead-letter records read (the market's bad records)
     */
    public record Run(String stack, int days, long seed, String marketStart, long events, double produceSeconds,
                      double settleSeconds, long settledRecords, long deadLetters) {
    }

    /** The LTV:CAC rule's defaults, and the channels that override them. */
    public record Rule(double threshold, double critical, double hysteresis, String forSpan, long minNewCustomers,
                       double confidence, List<String> overriddenFor) {
        public static Rule of(AlertThresholds t, List<String> overriddenFor) {
            return new Rule(t.threshold(), t.critical(), t.hysteresis(), t.forSpan().toString(),
                    t.minNewCustomers(), t.confidence(), List.copyOf(overriddenFor));
        }
    }

    /**
     * One (channel, window).
     *
     * @param lowestTrueRatio   the lowest true ratio over the judged days (null: undefined throughout, no spend)
     * @param otherRuleFirings  NO_CONVERSIONS FIRINGs (the market never stops converting: each is noise)
     */
    public record Row(String channel, int windowDays, Double lowestTrueRatio, List<EpisodeRow> episodes, int firings,
                      int resolved, int severityChanges, int falseFirings, int dipFirings, int otherRuleFirings,
                      Double maxDetectDays, boolean oneFiringOneResolvedEach, List<AlertRow> alerts) {
    }

    /** A true episode (days since the market's start) and what matched it. */
    public record EpisodeRow(double startDay, double endDay, double durationDays, boolean fromStart, boolean ongoing,
                             int firings, Double detectDays, Double resolveDays, boolean oneFiringOneResolved) {
    }

    /**
     * One alert. {@code verdict}: {@code episode} (matched a true episode), {@code dip} (the true ratio went below
     * the false-FIRING level but not for an episode), {@code false}.
     *
     * @param fired    LTV:CAC and its interval in the window that fired (null if not read)
     * @param resolved the same in the window that resolved (null while firing)
     */
    public record AlertRow(String alertId, double firedDay, Band fired, Double resolvedDay, Band resolved,
                           int severityChanges, String verdict) {
    }

    /** LTV:CAC and its interval as an alert record gave them (a null upper bound is unbounded). */
    public record Band(Double ratio, Double lower, Double upper) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%s [%s, %s]", num(ratio), num(lower), upper == null ? "unbounded"
                    : num(upper));
        }

        private static String num(Double v) {
            return v == null ? "-" : String.format(Locale.ROOT, "%.2f", v);
        }
    }

    /** {@link Criteria} in days, and the detection target. */
    public record Definitions(double threshold, double falseAbove, double minEpisodeDays, int detectWindowDays,
                              double detectWithinDays) {
        static Definitions of(Criteria c) {
            return new Definitions(c.threshold(), c.falseAbove(), c.minEpisode().toMillis() / DAY_MS,
                    DETECT_WINDOW_DAYS, DETECT_WITHIN_DAYS);
        }
    }

    /** A target of issue 10, the measured value, and whether it is met. */
    public record Target(String name, String target, String value, boolean met) {
    }

    /**
     * The alerts of one (channel, window) as read from {@code channel-alerts}, with the truth of that window.
     *
     * @param fired    per alertId, the figures of its FIRING
     * @param resolved per alertId, the figures of its RESOLVED
     */
    public record Input(String channel, int windowDays, TruthSeries truth, List<AlertSpan> ltvToCac,
                        int noConversionsFirings, Map<String, Band> fired, Map<String, Band> resolved) {
        public Input {
            fired = Map.copyOf(fired);
            resolved = Map.copyOf(resolved);
        }

        /** Without the alerts' figures. */
        public Input(String channel, int windowDays, TruthSeries truth, List<AlertSpan> ltvToCac,
                     int noConversionsFirings) {
            this(channel, windowDays, truth, ltvToCac, noConversionsFirings, Map.of(), Map.of());
        }
    }

    /** Scores every (channel, window) and computes the targets. */
    public static AlertReport of(String startedAt, Run run, Rule rule, Criteria criteria, long marketStart,
                                 List<Input> inputs) {
        List<Row> rows = new ArrayList<>();
        for (Input in : inputs) rows.add(row(in, EpisodeMatcher.match(in.truth(), in.ltvToCac(), criteria), marketStart,
                in.truth()));
        return new AlertReport(startedAt, run, rule, Definitions.of(criteria), List.copyOf(rows), targets(rows));
    }

    private static Row row(Input in, Result r, long marketStart, TruthSeries truth) {
        List<EpisodeRow> episodes = new ArrayList<>();
        for (Matched m : r.episodes()) {
            episodes.add(new EpisodeRow(day(m.episode().start(), marketStart), day(m.episode().end(), marketStart),
                    m.durationDays(), m.episode().fromStart(), m.episode().ongoing(), m.alertIds().size(),
                    m.detectDays(), m.resolveDays(), m.oneFiringOneResolved()));
        }
        List<AlertRow> alerts = new ArrayList<>();
        for (AlertSpan a : in.ltvToCac().stream().sorted(Comparator.comparingLong(AlertSpan::firedAt))
                .toList()) {
            String verdict = r.falseFirings().contains(a.alertId()) ? "false"
                    : r.dipFirings().contains(a.alertId()) ? "dip" : "episode";
            alerts.add(new AlertRow(a.alertId(), day(a.firedAt(), marketStart), in.fired().get(a.alertId()),
                    a.resolvedAt() == null ? null : day(a.resolvedAt(), marketStart), in.resolved().get(a.alertId()),
                    a.severityChanges(), verdict));
        }
        double lowest = truth.minOver(truth.start(), truth.end());
        return new Row(in.channel(), in.windowDays(), Double.isNaN(lowest) ? null : lowest, List.copyOf(episodes),
                r.firings(), r.resolved(), r.severityChanges(), r.falseFirings().size(), r.dipFirings().size(),
                in.noConversionsFirings(), r.maxDetectDays(), r.oneFiringOneResolvedEach(), List.copyOf(alerts));
    }

    private static double day(long t, long marketStart) {
        return (t - marketStart) / DAY_MS;
    }

    static List<Target> targets(List<Row> rows) {
        List<Target> t = new ArrayList<>();
        long episodes = rows.stream().mapToLong(r -> r.episodes().size()).sum();
        long good = rows.stream().flatMap(r -> r.episodes().stream()).filter(EpisodeRow::oneFiringOneResolved).count();
        t.add(new Target("one FIRING, one RESOLVED", "each true episode gives exactly one FIRING and one RESOLVED",
                String.format(Locale.ROOT, "%d of %d episodes", good, episodes), good == episodes));
        int falses = rows.stream().mapToInt(r -> r.falseFirings() + r.otherRuleFirings()).sum();
        t.add(new Target("no false FIRING", "no FIRING while the true ratio stays >= the false-FIRING level",
                falses + " false FIRINGs" + (falses == 0 ? "" : " (" + where(rows) + ")"), falses == 0));
        List<Row> week = rows.stream().filter(r -> r.windowDays() == DETECT_WINDOW_DAYS && !r.episodes().isEmpty())
                .toList();
        boolean undetected = week.stream().anyMatch(r -> r.maxDetectDays() == null);
        Row slowest = week.stream().filter(r -> r.maxDetectDays() != null)
                .max(Comparator.comparingDouble(Row::maxDetectDays)).orElse(null);
        String value = week.isEmpty() ? "no 7-day episode"
                : (slowest == null ? "" : String.format(Locale.ROOT, "slowest %.1f days (%s)", slowest.maxDetectDays(),
                slowest.channel())) + (undetected ? (slowest == null ? "" : ", ") + "an episode never detected" : "");
        t.add(new Target("7-day window detects in time",
                String.format(Locale.ROOT, "the %d-day window detects within %.0f days", DETECT_WINDOW_DAYS,
                        DETECT_WITHIN_DAYS),
                value, !undetected && (slowest == null || slowest.maxDetectDays() <= DETECT_WITHIN_DAYS)));
        return List.copyOf(t);
    }

    private static String where(List<Row> rows) {
        return String.join(", ", rows.stream().filter(r -> r.falseFirings() + r.otherRuleFirings() > 0)
                .map(r -> r.channel() + " " + r.windowDays() + "d").toList());
    }

    public boolean targetsMet() {
        return targets.stream().allMatch(Target::met);
    }

    public void print(PrintWriter out) {
        out.printf(Locale.ROOT, "cac-streams alert report, %s: %d simulated days of the synthetic market (seed %d, from"
                        + " %s), %,d records, %s%n", startedAt, run.days(), run.seed(), run.marketStart(), run.events(),
                run.stack());
        out.printf(Locale.ROOT, "LTV:CAC rule: FIRING when the %.0f%% upper bound < %.2f, RESOLVED when ratio >= %.2f"
                        + " and the %.0f%% lower bound >= %.2f (each bound one-sided); for %s, min %d new customers%s%n",
                rule.confidence() * 100, rule.threshold(), rule.threshold() * (1 + rule.hysteresis()),
                rule.confidence() * 100, rule.threshold(), rule.forSpan(), rule.minNewCustomers(),
                rule.overriddenFor().isEmpty() ? "" : "; overridden for " + rule.overriddenFor());
        out.printf(Locale.ROOT, "true episode: the window's true LTV:CAC (MarketTruth) below %.2f for >= %.0f days;"
                        + " false FIRING: the true ratio never below %.2f while it fired%n", criteria.threshold(),
                criteria.minEpisodeDays(), criteria.falseAbove());
        out.printf(Locale.ROOT, "%-12s %6s %9s %8s %8s %8s %6s %5s %10s %11s %s%n", "channel", "window", "lowest",
                "episodes", "FIRINGs", "RESOLVED", "false", "dip", "detect(d)", "resolve(d)", "one each");
        for (Row r : rows) {
            out.printf(Locale.ROOT, "%-12s %5dd %9s %8d %8d %8d %6d %5d %10s %11s %s%n", r.channel(), r.windowDays(),
                    r.lowestTrueRatio() == null ? "-" : String.format(Locale.ROOT, "%.2f", r.lowestTrueRatio()),
                    r.episodes().size(), r.firings(), r.resolved(), r.falseFirings() + r.otherRuleFirings(),
                    r.dipFirings(), days(r.episodes().stream().map(EpisodeRow::detectDays).toList(), "never"),
                    days(r.episodes().stream().map(EpisodeRow::resolveDays).toList(), "-"),
                    r.episodes().isEmpty() ? "-" : r.oneFiringOneResolvedEach() ? "yes" : "NO");
        }
        List<Row> withAlerts = rows.stream().filter(r -> !r.episodes().isEmpty() || !r.alerts().isEmpty()).toList();
        if (!withAlerts.isEmpty()) out.println("episodes and alerts (simulated days since the start):");
        for (Row r : withAlerts) {
            for (EpisodeRow e : r.episodes()) {
                out.printf(Locale.ROOT, "  %s %dd: true episode days %.1f-%.1f%s (%.1f days), %d FIRING(s)%n",
                        r.channel(), r.windowDays(), e.startDay(), e.endDay(), e.ongoing() ? " (ongoing)" : "",
                        e.durationDays(), e.firings());
            }
            for (AlertRow a : r.alerts()) {
                out.printf(Locale.ROOT, "  %s %dd: FIRING day %.2f%s, %s%s: %s%n", r.channel(), r.windowDays(),
                        a.firedDay(), a.fired() == null ? "" : " at " + a.fired(), a.resolvedDay() == null
                                ? "still firing" : String.format(Locale.ROOT, "RESOLVED day %.2f%s", a.resolvedDay(),
                                a.resolved() == null ? "" : " at " + a.resolved()),
                        a.severityChanges() == 0 ? "" : ", " + a.severityChanges() + " severity change(s)",
                        a.verdict());
            }
            if (r.otherRuleFirings() > 0) {
                out.printf(Locale.ROOT, "  %s %dd: %d NO_CONVERSIONS FIRING(s): false%n", r.channel(), r.windowDays(),
                        r.otherRuleFirings());
            }
        }
        out.println("targets (issue 10):");
        for (Target t : targets) {
            out.printf(Locale.ROOT, "  %-30s %-62s %-34s %s%n", t.name(), t.target(), t.value(),
                    t.met() ? "met" : "NOT MET");
        }
        out.printf(Locale.ROOT, "produced in %.1f s; every window of the %d days settled and read %.1f s after the"
                        + " first record; %,d settled metrics records, %,d dead letters%n", run.produceSeconds(),
                run.days(), run.settleSeconds(), run.settledRecords(), run.deadLetters());
    }

    /** "2.3" for one value, "2.3, 4.0" for several, "-" for none; {@code missing} for an episode without one. */
    private static String days(List<Double> values, String missing) {
        if (values.isEmpty()) return "-";
        return String.join(", ", values.stream().map(v -> v == null ? missing
                : String.format(Locale.ROOT, "%.1f", v)).toList());
    }

    /** Writes {@code alert-report-<startedAt>.json} and {@code alert-report-latest.json} into {@code dir}. */
    public Path write(Path dir) throws IOException {
        Files.createDirectories(dir);
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        Path file = dir.resolve("alert-report-" + startedAt.replace(":", "") + ".json");
        json.writeValue(file.toFile(), this);
        Files.copy(file, dir.resolve("alert-report-latest.json"), StandardCopyOption.REPLACE_EXISTING);
        return file;
    }
}
