package io.cacstreams.alerts;

import io.cacstreams.config.AlertRouting;
import io.cacstreams.config.AlertThresholds;
import io.cacstreams.config.AppConfig;
import io.cacstreams.events.AlertRule;
import io.cacstreams.events.AlertSeverity;
import io.cacstreams.events.AlertStatus;
import io.cacstreams.events.ChannelAlert;
import io.cacstreams.events.MetricStatus;
import io.cacstreams.internal.AlertState;
import io.cacstreams.metrics.LtvCacInterval;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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

        /** One evaluation with an interval [lower, upper] around {@code ratio} (upper null: unbounded). */
        Run interval(double lower, double ratio, Double upper) {
            return evaluate(new LtvCacInterval(ratio, lower, upper, 0.9), true);
        }

        Run evaluate(LtvCacInterval iv, boolean covered) {
            now += H;
            AlertInput in = new AlertInput("paid", 7, iv, 100.0, iv.ratio() == null ? null : iv.ratio() * 100, 1000,
                    50, true, covered, now);
            AlertEvaluator.Outcome o = evaluator.ltvToCac(state, in);
            state = o.state();
            o.transition().ifPresent(out::add);
            return this;
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
        AlertEvaluator e = new AlertEvaluator(defaults(), (String) null, "USD");
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

    @Test
    void firesOnlyWhenTheUpperBoundIsBelowTheThreshold() {
        // a point of 2.5 whose interval reaches 3.4 says nothing: no alert on noise
        Run r = new Run(defaults()).interval(1.6, 2.5, 3.4).interval(1.8, 2.6, null);
        assertThat(r.out).isEmpty();
        r.interval(1.9, 2.4, 2.95);
        assertThat(r.out).singleElement().satisfies(a -> {
            assertThat(a.getStatus()).isEqualTo(AlertStatus.FIRING);
            assertThat(a.getSeverity()).isEqualTo(AlertSeverity.WARNING);
            assertThat(a.getLtvToCacLower()).isEqualTo(1.9);
            assertThat(a.getLtvToCacUpper()).isEqualTo(2.95);
            assertThat(a.getConfidence()).isEqualTo(0.9);
            assertThat(a.getMessage()).contains("2.40 (90% confidence bounds 1.90-2.95)");
            assertThat(a.getDescription()).contains("below 3.00 with 90% confidence");
        });
    }

    @Test
    void resolvesOnlyWhenTheRatioClearsTheHysteresisAndTheLowerBoundTheThreshold() {
        Run r = new Run(defaults()).interval(1.9, 2.4, 2.95);
        r.interval(2.2, 3.3, 4.9);   // ratio >= 3.15, but the interval still reaches below 3
        r.interval(3.0, 3.1, 3.2);   // lower >= 3, but the ratio is within the hysteresis band
        assertThat(r.out).hasSize(1);
        r.interval(3.0, 3.2, 3.4);
        assertThat(r.out).extracting(ChannelAlert::getStatus).containsExactly(AlertStatus.FIRING, AlertStatus.RESOLVED);
        assertThat(r.out.get(1).getAlertId()).isEqualTo(r.out.get(0).getAlertId());
        assertThat(r.out.get(1).getEndsAt().toEpochMilli()).isEqualTo(4 * H);
    }

    @Test
    void aSeverityChangeCarriesThePreviousSeverity() {
        Run r = new Run(defaults()).interval(1.5, 2.0, 2.5)   // WARNING
                .interval(0.5, 0.7, 0.9)                     // upper < 1: CRITICAL
                .interval(0.8, 1.2, 1.6)                     // ratio >= 1.05 but lower < 1: stays CRITICAL
                .interval(1.0, 1.3, 1.7)                     // back to WARNING
                .interval(3.1, 3.5, 4.0);                    // RESOLVED
        assertThat(r.out).extracting(ChannelAlert::getStatus, ChannelAlert::getSeverity,
                ChannelAlert::getPreviousSeverity).containsExactly(
                Tuple.tuple(AlertStatus.FIRING, AlertSeverity.WARNING, null),
                Tuple.tuple(AlertStatus.FIRING, AlertSeverity.CRITICAL, AlertSeverity.WARNING),
                Tuple.tuple(AlertStatus.FIRING, AlertSeverity.WARNING, AlertSeverity.CRITICAL),
                Tuple.tuple(AlertStatus.RESOLVED, AlertSeverity.WARNING, null));
        assertThat(r.out).extracting(ChannelAlert::getAlertId).containsOnly(r.out.get(0).getAlertId());
        assertThat(r.out.get(1).getDescription()).contains("Severity changed from WARNING to CRITICAL");
        assertThat(r.out.get(1).getLabels()).containsEntry("severity", "critical");
    }

    @Test
    void firesCriticalAtOnceWhenTheUpperBoundIsBelowTheCriticalLevel() {
        Run r = new Run(defaults()).interval(0.3, 0.6, 0.95);
        assertThat(r.out).singleElement().extracting(ChannelAlert::getSeverity).isEqualTo(AlertSeverity.CRITICAL);
    }

    @Test
    void aWindowNotYetCoveredByTheDataIsWarmingUp() {
        Run r = new Run(defaults());
        r.evaluate(new LtvCacInterval(0.5, 0.2, 0.9, 0.9), false);
        assertThat(r.out).isEmpty();
        assertThat(r.state).isEqualTo(AlertEvaluator.idle());
        AlertInput warming = new AlertInput("paid", 7, LtvCacInterval.pointOnly(0.5), 100.0, 50.0, 1000, 50, false,
                false, 0);
        assertThat(r.evaluator.status(r.state, AlertEvaluator.idle(), warming)).isEqualTo(MetricStatus.WARMING_UP);
        r.evaluate(new LtvCacInterval(0.5, 0.2, 0.9, 0.9), true);
        assertThat(r.out).singleElement().extracting(ChannelAlert::getStatus).isEqualTo(AlertStatus.FIRING);
    }

    @Test
    void theForSpanCountsFromTheFirstConfidentEvaluation() {
        Run r = new Run(new AlertThresholds(3.0, 1.0, 0.05, Duration.ofHours(1), 10, 0.9))
                .interval(1.9, 2.4, 3.3)   // not confident: nothing pending
                .interval(1.9, 2.4, 2.9);  // pending from here
        assertThat(r.out).isEmpty();
        assertThat(r.state.getPendingSince()).isEqualTo(2 * H);
        r.interval(1.9, 2.4, 3.1);         // confidence lost: the span starts again
        assertThat(r.state.getPendingSince()).isNull();
        r.interval(1.9, 2.4, 2.9).interval(1.9, 2.4, 2.9);
        assertThat(r.out).singleElement().extracting(ChannelAlert::getStartsAt)
                .isEqualTo(java.time.Instant.ofEpochMilli(5 * H));
    }

    @Test
    void alertsCarryRoutingFields() {
        AppConfig config = AppConfig.defaults().with(Map.of("application.id", "cac-prod",
                "cac.alert.label.team", "growth", "cac.alert.label.env", "prod",
                "cac.alert.runbook.no_conversions", "https://runbooks/no-conversions",
                "cac.alert.runbook.url", "https://runbooks/default",
                "cac.alert.dashboard.url", "https://grafana/d/cac?var-channel={channel}&var-window={window}"));
        AlertEvaluator e = AlertEvaluator.forChannel(config, "paid");
        ChannelAlert ltv = e.ltvToCac(AlertEvaluator.idle(), new AlertInput("paid", 30,
                new LtvCacInterval(2.0, 1.5, 2.5, 0.9), 100.0, 200.0, 1000, 50, true, true, H)).transition().get();
        assertThat(ltv.getSource()).isEqualTo("cac-prod");
        assertThat(ltv.getLabels()).containsExactlyInAnyOrderEntriesOf(Map.of("alertname", "LTV_CAC_BELOW_TARGET",
                "channel", "paid", "window", "30d", "rule", "LTV_CAC_BELOW_TARGET", "severity", "warning",
                "source", "cac-prod", "team", "growth", "env", "prod"));
        assertThat(ltv.getRunbookUrl()).isEqualTo("https://runbooks/default");
        assertThat(ltv.getDashboardUrl()).isEqualTo("https://grafana/d/cac?var-channel=paid&var-window=30d");
        assertThat(ltv.getSummary()).isEqualTo("paid over 30d: LTV:CAC below 3.00");
        ChannelAlert nc = e.noConversions(AlertEvaluator.idle(),
                new AlertInput("paid", 30, null, null, null, 500, 0, true, H)).transition().get();
        assertThat(nc.getRunbookUrl()).isEqualTo("https://runbooks/no-conversions");
        assertThat(nc.getLabels()).containsEntry("rule", "NO_CONVERSIONS").containsEntry("severity", "critical");
        assertThat(nc.getSummary()).contains("no conversions");
    }

    @Test
    void withoutRoutingSettingsTheSourceIsTheDefaultApplicationId() {
        ChannelAlert a = new Run(defaults()).ratio(2.0).out.get(0);
        assertThat(a.getSource()).isEqualTo(AppConfig.DEFAULT_APPLICATION_ID);
        assertThat(a.getRunbookUrl()).isEqualTo("https://runbook");
        assertThat(a.getDashboardUrl()).isNull();
        assertThat(a.getConfidence()).isNull();
        assertThat(a.getLtvToCacLower()).isEqualTo(2.0);
        assertThat(new AlertRouting("x", Map.of(), Map.of(), null, null).runbookFor("NO_CONVERSIONS")).isNull();
    }
}
