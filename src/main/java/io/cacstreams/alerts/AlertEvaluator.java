package io.cacstreams.alerts;

import io.cacstreams.config.AlertThresholds;
import io.cacstreams.events.AlertRule;
import io.cacstreams.events.AlertSeverity;
import io.cacstreams.events.AlertStatus;
import io.cacstreams.events.ChannelAlert;
import io.cacstreams.events.MetricStatus;
import io.cacstreams.internal.AlertState;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/**
 * The alert rules of domain.md, as pure state transitions. Only transitions produce an alert record: FIRING, a change
 * of severity (same alertId), RESOLVED (same alertId, with endsAt).
 * <ul>
 * <li>LTV_CAC_BELOW_TARGET: FIRING WARNING when ratio &lt; threshold, CRITICAL when &lt; critical, once the condition
 * has held for the {@code for} span; RESOLVED when ratio &ge; threshold * (1 + hysteresis); CRITICAL falls back to
 * WARNING only when ratio &ge; critical * (1 + hysteresis). Not evaluated (state kept) while newCustomers &lt; the
 * minimum sample or the ratio is undefined.</li>
 * <li>NO_CONVERSIONS: FIRING CRITICAL when there is spend, no conversions, and the channel has been observed for the
 * whole window (same {@code for} span); RESOLVED when a conversion arrives or the spend leaves the window.</li>
 * </ul>
 */
public final class AlertEvaluator {
    private final AlertThresholds thresholds;
    private final String runbookUrl;
    private final String currency;

    public AlertEvaluator(AlertThresholds thresholds, String runbookUrl, String reportingCurrency) {
        this.thresholds = thresholds;
        this.runbookUrl = runbookUrl;
        this.currency = reportingCurrency;
    }

    public static AlertState idle() {
        return new AlertState(false, null, null, null, null);
    }

    public static String dedupKey(AlertRule rule, String channel, int windowDays) {
        return "cac-streams/" + rule + "/" + channel + "/" + windowDays + "d";
    }

    /** The result of one evaluation: the new state and the transition, if any. */
    public record Outcome(AlertState state, Optional<ChannelAlert> transition) {
    }

    public Outcome ltvToCac(AlertState s, AlertInput in) {
        if (in.newCustomers() < thresholds.minNewCustomers() || in.ratio() == null) {
            return new Outcome(s, Optional.empty());
        }
        double ratio = in.ratio();
        if (!s.getFiring()) {
            if (ratio >= thresholds.threshold()) return new Outcome(idle(), Optional.empty());
            return fireWhenHeld(s, in, AlertRule.LTV_CAC_BELOW_TARGET,
                    ratio < thresholds.critical() ? AlertSeverity.CRITICAL : AlertSeverity.WARNING);
        }
        if (ratio >= thresholds.resolveAt()) return resolve(s, in, AlertRule.LTV_CAC_BELOW_TARGET);
        AlertSeverity current = AlertSeverity.valueOf(s.getSeverity());
        AlertSeverity next = current;
        if (current == AlertSeverity.WARNING && ratio < thresholds.critical()) next = AlertSeverity.CRITICAL;
        if (current == AlertSeverity.CRITICAL && ratio >= thresholds.deEscalateAt()) next = AlertSeverity.WARNING;
        if (next == current) return new Outcome(s, Optional.empty());
        AlertState changed = AlertState.newBuilder(s).setSeverity(next.name()).build();
        return new Outcome(changed, Optional.of(alert(changed, in, AlertRule.LTV_CAC_BELOW_TARGET, AlertStatus.FIRING,
                next, null)));
    }

    public Outcome noConversions(AlertState s, AlertInput in) {
        boolean condition = in.spend() > 0 && in.newCustomers() == 0 && in.windowFull();
        if (!s.getFiring()) {
            if (!condition) return new Outcome(idle(), Optional.empty());
            return fireWhenHeld(s, in, AlertRule.NO_CONVERSIONS, AlertSeverity.CRITICAL);
        }
        return condition ? new Outcome(s, Optional.empty()) : resolve(s, in, AlertRule.NO_CONVERSIONS);
    }

    /** The status a metrics record shows, given both rules' states after evaluation. */
    public MetricStatus status(AlertState ltvCac, AlertState noConversions, AlertInput in) {
        if (noConversions.getFiring()) return MetricStatus.NO_CONVERSIONS;
        if (in.newCustomers() < thresholds.minNewCustomers()) return MetricStatus.INSUFFICIENT_DATA;
        if (ltvCac.getFiring()) return MetricStatus.valueOf(ltvCac.getSeverity());
        if (in.ratio() == null) return in.cac() != null && in.cac() == 0 ? MetricStatus.OK : MetricStatus.UNKNOWN;
        return MetricStatus.OK;
    }

    private Outcome fireWhenHeld(AlertState s, AlertInput in, AlertRule rule, AlertSeverity severity) {
        long since = s.getPendingSince() == null ? in.now() : s.getPendingSince();
        if (in.now() - since < thresholds.forSpan().toMillis()) {
            return new Outcome(new AlertState(false, null, null, null, since), Optional.empty());
        }
        String key = dedupKey(rule, in.channel(), in.windowDays());
        String id = UUID.nameUUIDFromBytes((key + "@" + in.now()).getBytes(StandardCharsets.UTF_8)).toString();
        AlertState firing = new AlertState(true, severity.name(), id, in.now(), null);
        return new Outcome(firing, Optional.of(alert(firing, in, rule, AlertStatus.FIRING, severity, null)));
    }

    private Outcome resolve(AlertState s, AlertInput in, AlertRule rule) {
        ChannelAlert a = alert(s, in, rule, AlertStatus.RESOLVED, AlertSeverity.valueOf(s.getSeverity()), in.now());
        return new Outcome(idle(), Optional.of(a));
    }

    private ChannelAlert alert(AlertState s, AlertInput in, AlertRule rule, AlertStatus status,
                               AlertSeverity severity, Long endsAt) {
        return ChannelAlert.newBuilder()
                .setAlertId(s.getAlertId())
                .setDedupKey(dedupKey(rule, in.channel(), in.windowDays()))
                .setRule(rule).setChannel(in.channel()).setWindowDays(in.windowDays())
                .setStatus(status).setSeverity(severity)
                .setRatio(in.ratio()).setThreshold(thresholds.threshold()).setCriticalThreshold(thresholds.critical())
                .setCac(in.cac()).setLtv(in.ltv()).setSpend(in.spend()).setNewCustomers(in.newCustomers())
                .setReportingCurrency(currency)
                .setStartsAt(Instant.ofEpochMilli(s.getStartsAt()))
                .setEndsAt(endsAt == null ? null : Instant.ofEpochMilli(endsAt))
                .setEvaluatedAt(Instant.ofEpochMilli(in.now()))
                .setRunbookUrl(runbookUrl)
                .setMessage(message(rule, status, severity, in))
                .build();
    }

    private String message(AlertRule rule, AlertStatus status, AlertSeverity severity, AlertInput in) {
        String where = in.channel() + " over " + in.windowDays() + "d";
        if (rule == AlertRule.NO_CONVERSIONS) {
            return status == AlertStatus.FIRING
                    ? String.format(Locale.ROOT, "[%s] %s: %.2f %s spent and no conversions in the whole window",
                    severity, where, in.spend(), currency)
                    : String.format(Locale.ROOT, "[RESOLVED] %s: %d conversions, %.2f %s spent",
                    where, in.newCustomers(), in.spend(), currency);
        }
        if (status == AlertStatus.RESOLVED) {
            return String.format(Locale.ROOT, "[RESOLVED] %s: LTV:CAC recovered to %.2f (>= %.2f)", where, in.ratio(),
                    thresholds.resolveAt());
        }
        return String.format(Locale.ROOT, "[%s] %s: LTV:CAC %.2f is below %.2f (CAC %.2f %s, LTV %.2f %s, %d new customers)",
                severity, where, in.ratio(), severity == AlertSeverity.CRITICAL ? thresholds.critical()
                        : thresholds.threshold(), in.cac(), currency, in.ltv(), currency, in.newCustomers());
    }
}
