package io.cacstreams.report;

import io.cacstreams.report.TruthSeries.Episode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Scores the alerts of one (channel, window) against the truth of the market (issue 10, part 3).
 * <ul>
 *   <li>A <b>true episode</b> is a run of the true ratio below {@code threshold} lasting at least {@code minEpisode}
 *       ({@link TruthSeries#runsBelow}); a run still going at the end of the series counts once it has lasted that
 *       long (its RESOLVED cannot be expected yet). Shorter runs are dips: no alert is required, none is false.</li>
 *   <li>An alert <b>matches</b> an episode when it was firing at some time of it ({@link AlertSpan#overlaps}).</li>
 *   <li>An episode is <b>one FIRING, one RESOLVED</b> when exactly one alert matches it, that alert matches no other
 *       episode, and it resolved (unless the episode is still going).</li>
 *   <li><b>Days to detect</b>: the first matching alert's FIRING minus the episode's start (negative when it fired
 *       while the true ratio was on its way down, still above the threshold); <b>days to resolve</b>: the last
 *       matching alert's RESOLVED minus the episode's end.</li>
 *   <li>A <b>false FIRING</b> is an alert during which the true ratio never went below {@code falseAbove}: from its
 *       FIRING to its RESOLVED (or the end of the series), both included. An alert that is neither matched nor false
 *       fired on a dip (true ratio below {@code falseAbove} but no episode): {@link Result#dipFirings}.</li>
 * </ul>
 */
public final class EpisodeMatcher {
    private static final double DAY_MS = 86_400_000.0;

    /**
     * @param threshold  the level of a true episode (default 3.0: the alert's threshold)
     * @param falseAbove an alert is false if the true ratio never went below this while it fired (default 3.3)
     * @param minEpisode how long a true episode lasts at least (default 5 days)
     */
    public record Criteria(double threshold, double falseAbove, Duration minEpisode) {
        public static Criteria defaults() {
            return new Criteria(3.0, 3.3, Duration.ofDays(5));
        }
    }

    /**
     * One true episode and the alerts that matched it.
     *
     * @param alertIds    the matching alerts, in the order they fired
     * @param detectDays  days from the episode's start to the first matching FIRING; null when none matched
     * @param resolveDays days from the episode's end to the last matching RESOLVED; null when the episode is still
     *                    going, none matched, or the last did not resolve
     */
    public record Matched(Episode episode, List<String> alertIds, Double detectDays, Double resolveDays,
                          boolean oneFiringOneResolved) {
        public double durationDays() {
            return episode.duration() / DAY_MS;
        }
    }

    /**
     * @param firings         alerts (distinct alertIds; a change of severity is not a new FIRING)
     * @param resolved        those that resolved
     * @param severityChanges FIRING records that changed the severity of an alert already firing
     * @param falseFirings    alertIds of the false FIRINGs
     * @param dipFirings      alertIds of alerts neither matched to an episode nor false
     */
    public record Result(List<Matched> episodes, int firings, int resolved, int severityChanges,
                         List<String> falseFirings, List<String> dipFirings) {

        /** Every episode gave exactly one FIRING and one RESOLVED (true when there is no episode). */
        public boolean oneFiringOneResolvedEach() {
            return episodes.stream().allMatch(Matched::oneFiringOneResolved);
        }

        /** The longest time to detect over the episodes; null if one was never detected or there is none. */
        public Double maxDetectDays() {
            if (episodes.isEmpty() || episodes.stream().anyMatch(m -> m.detectDays() == null)) return null;
            return episodes.stream().mapToDouble(Matched::detectDays).max().orElseThrow();
        }

        /** Every episode detected within {@code days} (true when there is no episode). */
        public boolean detectedWithin(double days) {
            return episodes.stream().allMatch(m -> m.detectDays() != null && m.detectDays() <= days);
        }
    }

    private EpisodeMatcher() {
    }

    public static Result match(TruthSeries truth, List<AlertSpan> alerts, Criteria criteria) {
        List<AlertSpan> sorted = alerts.stream().sorted(Comparator.comparingLong(AlertSpan::firedAt)).toList();
        List<Episode> episodes = truth.runsBelow(criteria.threshold()).stream()
                .filter(e -> e.duration() >= criteria.minEpisode().toMillis()).toList();
        List<List<AlertSpan>> matches = new ArrayList<>();
        for (Episode e : episodes) {
            long to = e.ongoing() ? Long.MAX_VALUE : e.end();
            matches.add(sorted.stream().filter(a -> a.overlaps(e.start(), to)).toList());
        }
        List<Matched> out = new ArrayList<>();
        for (int i = 0; i < episodes.size(); i++) {
            Episode e = episodes.get(i);
            List<AlertSpan> m = matches.get(i);
            Double detect = m.isEmpty() ? null : (m.get(0).firedAt() - e.start()) / DAY_MS;
            AlertSpan last = m.isEmpty() ? null : m.get(m.size() - 1);
            Double resolve = last == null || e.ongoing() || last.resolvedAt() == null ? null
                    : (last.resolvedAt() - e.end()) / DAY_MS;
            boolean one = m.size() == 1 && (e.ongoing() || m.get(0).resolvedAt() != null)
                    && matches.stream().filter(other -> other.contains(m.get(0))).count() == 1;
            out.add(new Matched(e, m.stream().map(AlertSpan::alertId).toList(), detect, resolve, one));
        }
        List<String> falseFirings = new ArrayList<>();
        List<String> dipFirings = new ArrayList<>();
        for (AlertSpan a : sorted) {
            if (matches.stream().anyMatch(m -> m.contains(a))) continue;
            double min = truth.minOver(a.firedAt(), a.resolvedAt() == null ? truth.end() : a.resolvedAt());
            if (Double.isNaN(min) || min >= criteria.falseAbove()) falseFirings.add(a.alertId());
            else dipFirings.add(a.alertId());
        }
        return new Result(out, sorted.size(), (int) sorted.stream().filter(a -> a.resolvedAt() != null).count(),
                sorted.stream().mapToInt(AlertSpan::severityChanges).sum(), falseFirings, dipFirings);
    }
}
