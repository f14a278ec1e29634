package io.cacstreams.report;

import io.cacstreams.report.EpisodeMatcher.Criteria;
import io.cacstreams.report.EpisodeMatcher.Matched;
import io.cacstreams.report.EpisodeMatcher.Result;
import io.cacstreams.report.TruthSeries.Episode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hand-made cases: a true ratio given day by day (one value per day, the window ending at the start of day i) and
 * alerts firing and resolving on given days; the expected episodes, matches and delays are worked out by hand from
 * the definitions in {@link EpisodeMatcher}, not from the code.
 */
class EpisodeMatcherTest {
    private static final long DAY = 86_400_000L;
    private static final Criteria DEFAULT = Criteria.defaults();

    /** Below 3 from day 2 to day 8, back at 3.1 on day 9: one episode of 7 days [2, 9). */
    private static final double[] ONE_DROP = {5, 4, 2.9, 2.5, 2, 2, 2.2, 2.8, 2.95, 3.1, 5, 5, 5, 5, 5};

    private static TruthSeries days(double... values) {
        return new TruthSeries(0, DAY, values);
    }

    private static AlertSpan alert(String id, double firedDay, Double resolvedDay) {
        return new AlertSpan(id, (long) (firedDay * DAY), resolvedDay == null ? null : (long) (resolvedDay * DAY), 0);
    }

    @Test
    void oneDropOneAlert() {
        Result r = EpisodeMatcher.match(days(ONE_DROP), List.of(alert("a", 4, 11.5)), DEFAULT);
        assertThat(r.episodes()).hasSize(1);
        Matched m = r.episodes().get(0);
        assertThat(m.episode()).isEqualTo(new Episode(2 * DAY, 9 * DAY, false, false));
        assertThat(m.durationDays()).isEqualTo(7.0);
        assertThat(m.alertIds()).containsExactly("a");
        assertThat(m.detectDays()).isEqualTo(2.0);   // fired on day 4, the drop began on day 2
        assertThat(m.resolveDays()).isEqualTo(2.5);  // resolved on day 11.5, the truth was back on day 9
        assertThat(m.oneFiringOneResolved()).isTrue();
        assertThat(r.firings()).isEqualTo(1);
        assertThat(r.resolved()).isEqualTo(1);
        assertThat(r.falseFirings()).isEmpty();
        assertThat(r.dipFirings()).isEmpty();
        assertThat(r.oneFiringOneResolvedEach()).isTrue();
        assertThat(r.maxDetectDays()).isEqualTo(2.0);
        assertThat(r.detectedWithin(2)).isTrue();
        assertThat(r.detectedWithin(1.9)).isFalse();
    }

    @Test
    void aFlappingAlertIsTwoFiringsForOneDrop() {
        Result r = EpisodeMatcher.match(days(ONE_DROP),
                List.of(alert("b", 7, 12.0), alert("a", 3, 6.0)), DEFAULT);
        Matched m = r.episodes().get(0);
        assertThat(m.alertIds()).containsExactly("a", "b"); // in the order they fired
        assertThat(m.detectDays()).isEqualTo(1.0);
        assertThat(m.resolveDays()).isEqualTo(3.0);         // the last one's RESOLVED
        assertThat(m.oneFiringOneResolved()).isFalse();
        assertThat(r.firings()).isEqualTo(2);
        assertThat(r.oneFiringOneResolvedEach()).isFalse();
    }

    @Test
    void anUndetectedDropAndOneThatNeverResolves() {
        Result none = EpisodeMatcher.match(days(ONE_DROP), List.of(), DEFAULT);
        assertThat(none.episodes().get(0).detectDays()).isNull();
        assertThat(none.episodes().get(0).oneFiringOneResolved()).isFalse();
        assertThat(none.maxDetectDays()).isNull();
        assertThat(none.detectedWithin(100)).isFalse();

        Result open = EpisodeMatcher.match(days(ONE_DROP), List.of(alert("a", 5, null)), DEFAULT);
        assertThat(open.episodes().get(0).detectDays()).isEqualTo(3.0);
        assertThat(open.episodes().get(0).resolveDays()).isNull();
        assertThat(open.episodes().get(0).oneFiringOneResolved()).isFalse(); // the drop ended, the alert did not
        assertThat(open.resolved()).isZero();
    }

    @Test
    void firingOnTheWayDownDetectsEarly() {
        // fired on day 1 (true ratio 4, falling), resolved on day 10
        Result r = EpisodeMatcher.match(days(ONE_DROP), List.of(alert("a", 1, 10.0)), DEFAULT);
        assertThat(r.episodes().get(0).detectDays()).isEqualTo(-1.0);
        assertThat(r.episodes().get(0).resolveDays()).isEqualTo(1.0);
        assertThat(r.falseFirings()).isEmpty();
    }

    @Test
    void anAlertThatResolvedBeforeTheDropIsNotItsAlert() {
        // fired on day 0 and resolved on day 2, the very day the drop began: [0, 2) does not reach it
        Result r = EpisodeMatcher.match(days(ONE_DROP), List.of(alert("a", 0, 2.0)), DEFAULT);
        assertThat(r.episodes().get(0).alertIds()).isEmpty();
        // while it fired the true ratio was 5, 4 and (on day 2, included) 2.9: below 3.3, so a dip, not false
        assertThat(r.dipFirings()).containsExactly("a");
        assertThat(r.falseFirings()).isEmpty();
    }

    @Test
    void shortDipsAreNoEpisodesAndTheirAlertsAreNotFalse() {
        // below 3 on days 2 to 5 (4 days), then on days 8 to 12 (exactly 5 days: an episode), then 3.2 on day 15
        double[] truth = {5, 5, 2.5, 2.5, 2.5, 2.5, 5, 5, 2.5, 2.5, 2.5, 2.5, 2.5, 5, 5, 3.2, 5, 5};
        Result r = EpisodeMatcher.match(days(truth), List.of(alert("dip", 3, 6.0), alert("drop", 9, 14.0),
                alert("near", 15, 16.0), alert("noise", 16.5, 17.0)), DEFAULT);
        assertThat(r.episodes()).extracting(Matched::episode)
                .containsExactly(new Episode(8 * DAY, 13 * DAY, false, false));
        assertThat(r.episodes().get(0).alertIds()).containsExactly("drop");
        assertThat(r.dipFirings()).containsExactly("dip", "near");   // 2.5 and 3.2: below 3.3
        assertThat(r.falseFirings()).containsExactly("noise");       // 5 on days 16.5 to 17: never below 3.3
        assertThat(r.firings()).isEqualTo(4);
    }

    @Test
    void oneAlertOverTwoDropsIsNotOneEachAndTheMinimumIsConfigurable() {
        // two drops of 5 days with one day at 3.5 between them
        double[] truth = {5, 2, 2, 2, 2, 2, 3.5, 2, 2, 2, 2, 2, 5, 5};
        Result r = EpisodeMatcher.match(days(truth), List.of(alert("a", 2, 13.0)), DEFAULT);
        assertThat(r.episodes()).hasSize(2);
        assertThat(r.episodes()).allSatisfy(m -> {
            assertThat(m.alertIds()).containsExactly("a");
            assertThat(m.oneFiringOneResolved()).isFalse(); // the second drop got no FIRING of its own
        });
        assertThat(r.episodes().get(1).detectDays()).isEqualTo(-5.0);
        Result longer = EpisodeMatcher.match(days(truth), List.of(alert("a", 2, 13.0)),
                new Criteria(3.0, 3.3, java.time.Duration.ofDays(6)));
        assertThat(longer.episodes()).isEmpty();
        assertThat(longer.dipFirings()).containsExactly("a");
    }

    @Test
    void dropsAtTheEdgesOfTheSeries() {
        // below from the first value (a window that stops warming up in a drop) and again at the end
        double[] truth = {2, 2, 2, 2, 2, 2, 5, 5, 2, 2, 2, 2, 2, 2};
        Result r = EpisodeMatcher.match(days(truth), List.of(alert("first", 0, 7.0), alert("last", 9, null)),
                DEFAULT);
        assertThat(r.episodes()).extracting(Matched::episode).containsExactly(
                new Episode(0, 6 * DAY, true, false),
                new Episode(8 * DAY, 13 * DAY, false, true));  // ongoing: 5 days so far, ends with the series
        assertThat(r.episodes()).allMatch(Matched::oneFiringOneResolved); // an ongoing drop needs no RESOLVED
        assertThat(r.episodes().get(1).resolveDays()).isNull();
        assertThat(r.maxDetectDays()).isEqualTo(1.0);
        // an ongoing run shorter than the minimum is not (yet) an episode
        double[] shortEnd = {5, 5, 5, 2, 2, 2, 2};
        assertThat(EpisodeMatcher.match(days(shortEnd), List.of(), DEFAULT).episodes()).isEmpty();
    }

    @Test
    void undefinedTruthIsNeverBelowAndAnAlertOnItIsFalse() {
        double[] truth = {Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN};
        Result r = EpisodeMatcher.match(days(truth), List.of(alert("a", 1, null)), DEFAULT);
        assertThat(r.episodes()).isEmpty();
        assertThat(r.falseFirings()).containsExactly("a");
        assertThat(r.oneFiringOneResolvedEach()).isTrue();
        assertThat(r.maxDetectDays()).isNull();
    }

    @Test
    void severityChangesAreCountedNotFirings() {
        AlertSpan escalated = new AlertSpan("a", 4 * DAY, 11 * DAY, 2);
        Result r = EpisodeMatcher.match(days(ONE_DROP), List.of(escalated), DEFAULT);
        assertThat(r.firings()).isEqualTo(1);
        assertThat(r.severityChanges()).isEqualTo(2);
        assertThat(r.oneFiringOneResolvedEach()).isTrue();
    }
}
