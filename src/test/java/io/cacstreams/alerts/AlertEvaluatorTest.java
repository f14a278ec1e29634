package io.cacstreams.alerts;

import io.cacstreams.config.AlertThresholds;
import io.cacstreams.events.AlertRule;
import io.cacstreams.events.AlertSeverity;
import io.cacstreams.events.AlertStatus;
import io.cacstreams.events.ChannelAlert;
import io.cacstreams.events.MetricStatus;
import io.cacstreams.internal.AlertState;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class AlertEvaluatorTest {
    private static final long H = 3_600_000L;

    /** Feeds a sequence of ratios (one per hour) and collects the transitions. */
    private static final class Run {
        final AlertEvaluator evaluator;
        AlertState state = AlertEvaluator.idle();
        final List<ChannelAlert> out = new ArrayList<>();
        long now = 0;

        Run(AlertThresholds t) {
            evaluator = new AlertEvaluator(t, "https://runbook", "USD");
        }

        Run ratio(Double ratio, long newCustomers) {
            now += H;
            AlertInput in = new AlertInput("paid", 30, ratio, 100.0, ratio == null ? null : ratio * 100, 1000,
                    newCustomers, true, now);
            AlertEvaluator.Outcome o = evaluator.ltvToCac(state, in);
            state = o.state();
            o.transition().ifPresent(out::add);
            return this;
        }

        Run ratio(double ratio) {
            return ratio(ratio, 50);
        }
    }

    private static AlertThresholds defaults() {
        return AlertThresholds.defaults();
    }

    @Test
    void firesWarningEscalatesDeEscalatesAndResolvesWithOneId() {
        Run r = new Run(defaults()).ratio(4.0).ratio(2.5).ratio(2.0).ratio(0.8).ratio(1.02).ratio(1.2).ratio(3.1)
                .ratio(3.2);
        assertThat(r.out).extracting(ChannelAlert::getStatus, ChannelAlert::getSeverity).containsExactly(
                org.assertj.core.groups.Tuple.tuple(AlertStatus.FIRING, AlertSeverity.WARNING),
                org.assertj.core.groups.Tuple.tuple(AlertStatus.FIRING, AlertSeverity.CRITICAL),
                org.assertj.core.groups.Tuple.tuple(AlertStatus.FIRING, AlertSeverity.WARNING),
                org.assertj.core.groups.Tuple.tuple(AlertStatus.RESOLVED, AlertSeverity.WARNING));
        assertThat(r.out).extracting(ChannelAlert::getAlertId).containsOnly(r.out.get(0).getAlertId());
        assertThat(r.out.get(0).getStartsAt().toEpochMilli()).isEqualTo(2 * H);
        assertThat(r.out.get(3).getEndsAt().toEpochMilli()).isEqualTo(8 * H);
        assertThat(r.out.get(3).getStartsAt()).isEqualTo(r.out.get(0).getStartsAt());
    }

    @Test
    void firesCriticalAtOnceBelowTheCriticalThreshold() {
        Run r = new Run(defaults()).ratio(0.5);
        assertThat(r.out).singleElement().extracting(ChannelAlert::getSeverity).isEqualTo(AlertSeverity.CRITICAL);
    }

    @Test
    void hysteresisStopsFlappingAroundTheThreshold() {
        Run r = new Run(defaults()).ratio(2.99).ratio(3.01).ratio(2.98).ratio(3.14).ratio(2.9).ratio(3.16);
        assertThat(r.out).extracting(ChannelAlert::getStatus).containsExactly(AlertStatus.FIRING, AlertStatus.RESOLVED);
    }

    @Test
    void aNewFiringAfterResolutionHasANewId() {
        Run r = new Run(defaults()).ratio(2.0).ratio(4.0).ratio(2.0);
        assertThat(r.out).hasSize(3);
        assertThat(r.out.get(2).getAlertId()).isNotEqualTo(r.out.get(0).getAlertId());
    }

    @Test
    void notEvaluatedBelowTheMinimumSampleOrWithoutARatio() {
        Run r = new Run(defaults()).ratio(1.5, 9).ratio(null, 50);
        assertThat(r.out).isEmpty();
        Run firing = new Run(defaults()).ratio(1.5).ratio(5.0, 3);
        assertThat(firing.out).hasSize(1); // no resolution from an insufficient sample
        AlertInput thin = new AlertInput("paid", 30, 1.5, 1.0, 1.5, 10, 3, true, 0);
        assertThat(firing.evaluator.status(AlertEvaluator.idle(), AlertEvaluator.idle(), thin))
                .isEqualTo(MetricStatus.INSUFFICIENT_DATA);
    }

    @Test
    void theForSpanDelaysFiringUntilTheConditionHasHeld() {
        AlertThresholds t = new AlertThresholds(3.0, 1.0, 0.05, Duration.ofHours(2), 10);
        Run r = new Run(t).ratio(2.0).ratio(2.0);
        assertThat(r.out).isEmpty();
        r.ratio(2.0);
        assertThat(r.out).singleElement().extracting(ChannelAlert::getStatus).isEqualTo(AlertStatus.FIRING);
        Run interrupted = new Run(t).ratio(2.0).ratio(3.5).ratio(2.0).ratio(2.0);
        assertThat(interrupted.out).isEmpty();
    }

    @Test
    void aPerChannelThresholdIsUsed() {
        Run strict = new Run(new AlertThresholds(5.0, 2.0, 0.05, Duration.ZERO, 10)).ratio(4.0);
        assertThat(strict.out).singleElement().satisfies(a -> {
            assertThat(a.getThreshold()).isEqualTo(5.0);
            assertThat(a.getSeverity()).isEqualTo(AlertSeverity.WARNING);
        });
    }

    @Test
    void noConversionsFiresOnlyOverAFullWindowAndResolves() {
        AlertEvaluator e = new AlertEvaluator(defaults(), null, "USD");
        AlertState s = AlertEvaluator.idle();
        var notFull = e.noConversions(s, new AlertInput("display", 7, null, null, null, 500, 0, false, 1));
        assertThat(notFull.transition()).isEmpty();
        var fire = e.noConversions(s, new AlertInput("display", 7, null, null, null, 500, 0, true, 2));
        assertThat(fire.transition()).get().satisfies(a -> {
            assertThat(a.getRule()).isEqualTo(AlertRule.NO_CONVERSIONS);
            assertThat(a.getStatus()).isEqualTo(AlertStatus.FIRING);
        });
        var again = e.noConversions(fire.state(), new AlertInput("display", 7, null, null, null, 600, 0, true, 3));
        assertThat(again.transition()).isEmpty();
        var resolve = e.noConversions(again.state(), new AlertInput("display", 7, null, 60.0, null, 600, 1, true, 4));
        assertThat(resolve.transition()).get().extracting(ChannelAlert::getStatus).isEqualTo(AlertStatus.RESOLVED);
        assertThat(resolve.transition().get().getAlertId()).isEqualTo(fire.transition().get().getAlertId());
    }
}
