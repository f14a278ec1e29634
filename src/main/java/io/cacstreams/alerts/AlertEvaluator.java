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

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The alert rules of domain.md, as pure state transitions (docs/semantics.md, "Alerts"). Only transitions produce an
 * alert record: FIRING, a change of severity (same alertId, with the previous severity), RESOLVED (same alertId, with
 * endsAt).
 * <ul>
 * <li>LTV_CAC_BELOW_TARGET, on the interval of LTV:CAC: FIRING WARNING when its upper bound is below the threshold
 * (CRITICAL: below the critical level) once that has held for the {@code for} span; RESOLVED when the ratio is at or
 * above threshold * (1 + hysteresis) and the lower bound at or above the threshold; CRITICAL falls back to WARNING
 * under the same two conditions with the critical level. Where no interval was computed the ratio is both bounds.
 * Not evaluated (state kept) while the window is warming up, newCustomers is below the minimum sample, or the ratio
 * is undefined.</li>
 * <li>NO_CONVERSIONS: FIRING CRITICAL when there is spend, no conversions, and the channel has been observed for the
 * whole window (same {@code for} span); RESOLVED when a conversion arrives or the spend leaves the window.</li>
 * </ul>
 */
public final class AlertEvaluator {
    private final AlertThresholds thresholds;
    private final AlertRouting routing;
    private final String currency;

    public AlertEvaluator(AlertThresholds thresholds, AlertRouting routing, String reportingCurrency) {
        this.thresholds = thresholds;
        this.routing = routing;
        this.currency = reportingCurrency;
    }

    /** With no routing settings but one runbook URL for every rule (source: the default application id). */
    public AlertEvaluator(AlertThresholds thresholds, String runbookUrl, String reportingCurrency) {
        this(thresholds, new AlertRouting(AppConfig.DEFAULT_APPLICATION_ID, Map.of(), Map.of(), runbookUrl, null),
                reportingCurrency);
    }

    /** The evaluator of one channel: its thresholds and confidence, the configured routing and currency. */
    public static AlertEvaluator forChannel(AppConfig config, String channel) {
        return new AlertEvaluator(config.alertsFor(channel), config.alertRouting(), config.reportingCurrency());
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
        if (!in.covered() || in.newCustomers() < thresholds.minNewCustomers() || in.ratio() == null) {
            return new Outcome(s, Optional.empty());
        }
        LtvCacInterval iv = in.ltvToCac();
        if (!s.getFiring()) {
            if (!iv.surelyBelow(thresholds.threshold())) return new Outcome(idle(), Optional.empty());
            return fireWhenHeld(s, in, AlertRule.LTV_CAC_BELOW_TARGET,
                    iv.surelyBelow(thresholds.critical()) ? AlertSeverity.CRITICAL : AlertSeverity.WARNING);
        }
        if (recovered(iv, thresholds.threshold())) return resolve(s, in, AlertRule.LTV_CAC_BELOW_TARGET);
        AlertSeverity current = AlertSeverity.valueOf(s.getSeverity());
        AlertSeverity next = current;
        if (current == AlertSeverity.WARNING && iv.surelyBelow(thresholds.critical())) next = AlertSeverity.CRITICAL;
        if (current == AlertSeverity.CRITICAL && recovered(iv, thresholds.critical())) next = AlertSeverity.WARNING;
        if (next == current) return new Outcome(s, Optional.empty());
        AlertState changed = AlertState.newBuilder(s).setSeverity(next.name()).build();
        return new Outcome(changed, Optional.of(alert(changed, in, AlertRule.LTV_CAC_BELOW_TARGET, AlertStatus.FIRING,
                next, current, null)));
    }

    /** Back at or above {@code level}: the ratio clears it by the hysteresis and the interval no longer says below. */
    private boolean recovered(LtvCacInterval iv, double level) {
        return iv.ratio() >= level * (1 + thresholds.hysteresis()) && iv.notBelow(level);
    }

    public Outcome noConversions(AlertState s, AlertInput in) {
        boolean condition = in.spend() > 0 && in.newCustomers() == 0 && in.windowFull();
        if (!s.getFiring()) {
            if (!condition) return new Outcome(idle(), Optional.empty());
            return fireWhenHeld(s, in, AlertRule.NO_CONVERSIONS, AlertSeverity.CRITICAL);
        }
        return condition ? new Outcome(s, Optional.empty()) : resolve(s, in, AlertRule.NO_CONVERSIONS);
    }

    /**
     * The status a metrics record shows, given both rules' states after evaluation, in this order: NO_CONVERSIONS
     * while that alert fires; WARMING_UP while the data does not cover the window; INSUFFICIENT_DATA below the minimum
     * sample; the LTV:CAC alert's severity while it fires; OK, or UNKNOWN where LTV:CAC is undefined with CAC &gt; 0.
     */
    public MetricStatus status(AlertState ltvCac, AlertState noConversions, AlertInput in) {
        if (noConversions.getFiring()) return MetricStatus.NO_CONVERSIONS;
        if (!in.covered()) return MetricStatus.WARMING_UP;
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
        return new Outcome(firing, Optional.of(alert(firing, in, rule, AlertStatus.FIRING, severity, null, null)));
    }

    private Outcome resolve(AlertState s, AlertInput in, AlertRule rule) {
        ChannelAlert a = alert(s, in, rule, AlertStatus.RESOLVED, AlertSeverity.valueOf(s.getSeverity()), null,
                in.now());
        return new Outcome(idle(), Optional.of(a));
    }

    private ChannelAlert alert(AlertState s, AlertInput in, AlertRule rule, AlertStatus status,
                               AlertSeverity severity, AlertSeverity previous, Long endsAt) {
        LtvCacInterval iv = in.ltvToCac();
        Text text = new Text(rule, status, severity, previous, in);
        return ChannelAlert.newBuilder()
                .setAlertId(s.getAlertId())
                .setDedupKey(dedupKey(rule, in.channel(), in.windowDays()))
                .setRule(rule).setChannel(in.channel()).setWindowDays(in.windowDays())
                .setStatus(status).setSeverity(severity).setPreviousSeverity(previous)
                .setRatio(in.ratio()).setThreshold(thresholds.threshold()).setCriticalThreshold(thresholds.critical())
                .setLtvToCacLower(iv.lower()).setLtvToCacUpper(iv.upper()).setConfidence(iv.confidence())
                .setCac(in.cac()).setLtv(in.ltv()).setSpend(in.spend()).setNewCustomers(in.newCustomers())
                .setReportingCurrency(currency)
                .setStartsAt(Instant.ofEpochMilli(s.getStartsAt()))
                .setEndsAt(endsAt == null ? null : Instant.ofEpochMilli(endsAt))
                .setEvaluatedAt(Instant.ofEpochMilli(in.now()))
                .setRunbookUrl(routing.runbookFor(rule.name()))
                .setDashboardUrl(routing.dashboardFor(in.channel(), in.windowDays()))
                .setSource(routing.source())
                .setLabels(labels(rule, severity, in))
                .setMessage(text.message())
                .setSummary(text.summary())
                .setDescription(text.description())
                .build();
    }

    private Map<String, String> labels(AlertRule rule, AlertSeverity severity, AlertInput in) {
        Map<String, String> labels = new LinkedHashMap<>(routing.labels());
        labels.put("alertname", rule.name());
        labels.put("channel", in.channel());
        labels.put("window", in.windowDays() + "d");
        labels.put("rule", rule.name());
        labels.put("severity", severity.name().toLowerCase(Locale.ROOT));
        labels.put("source", routing.source());
        return labels;
    }

    /** The human texts of one transition. */
    private final class Text {
        private final AlertRule rule;
        private final AlertStatus status;
        private final AlertSeverity severity;
        private final AlertSeverity previous;
        private final AlertInput in;
        private final String where;

        Text(AlertRule rule, AlertStatus status, AlertSeverity severity, AlertSeverity previous, AlertInput in) {
            this.rule = rule;
            this.status = status;
            this.severity = severity;
            this.previous = previous;
            this.in = in;
            this.where = in.channel() + " over " + in.windowDays() + "d";
        }

        String summary() {
            if (rule == AlertRule.NO_CONVERSIONS) {
                return status == AlertStatus.FIRING ? where + ": spend and no conversions in the whole window"
                        : where + ": conversions again, or no spend";
            }
            return status == AlertStatus.FIRING
                    ? f("%s: LTV:CAC below %.2f", where, level())
                    : f("%s: LTV:CAC back at or above %.2f", where, thresholds.threshold());
        }

        String message() {
            if (rule == AlertRule.NO_CONVERSIONS) {
                return status == AlertStatus.FIRING
                        ? f("[%s] %s: %.2f %s spent and no conversions in the whole window", severity, where,
                        in.spend(), currency)
                        : f("[RESOLVED] %s: %d conversions, %.2f %s spent", where, in.newCustomers(), in.spend(),
                        currency);
            }
            if (status == AlertStatus.RESOLVED) {
                return f("[RESOLVED] %s: LTV:CAC recovered to %.2f%s (>= %.2f)", where, in.ratio(), band(),
                        thresholds.resolveAt());
            }
            return f("[%s] %s: LTV:CAC %.2f%s is below %.2f (CAC %.2f %s, LTV %.2f %s, %d new customers)",
                    severity, where, in.ratio(), band(), level(), in.cac(), currency, in.ltv(), currency,
                    in.newCustomers());
        }

        String description() {
            StringBuilder d = new StringBuilder();
            if (rule == AlertRule.NO_CONVERSIONS) {
                d.append(f("%.2f %s spent on %s in the last %d days and %d conversions. ", in.spend(), currency,
                        in.channel(), in.windowDays(), in.newCustomers()));
                d.append(status == AlertStatus.FIRING ? "Check the tracking of conversions and the campaigns."
                        : "The condition no longer holds.");
                return d.toString();
            }
            d.append(f("LTV:CAC of %s over the last %d days is %.2f%s", in.channel(), in.windowDays(), in.ratio(),
                    band()));
            LtvCacInterval iv = in.ltvToCac();
            if (status == AlertStatus.FIRING) {
                d.append(iv.confidence() == null ? f(", below %.2f", level())
                        : f(": below %.2f with %.0f%% confidence", level(), iv.confidence() * 100));
            } else {
                d.append(f(": back at or above %.2f (threshold %.2f plus %.0f%% hysteresis)", thresholds.threshold(),
                        thresholds.threshold(), thresholds.hysteresis() * 100));
            }
            d.append(f(". CAC %.2f %s, LTV %.2f %s, %d new customers, %.2f %s spent.", in.cac(), currency, in.ltv(),
                    currency, in.newCustomers(), in.spend(), currency));
            if (previous != null) d.append(f(" Severity changed from %s to %s.", previous, severity));
            return d.toString();
        }

        private double level() {
            return severity == AlertSeverity.CRITICAL ? thresholds.critical() : thresholds.threshold();
        }

        /** " (90% confidence bounds 1.42-4.25)", or "" without an interval. */
        private String band() {
            LtvCacInterval iv = in.ltvToCac();
            if (iv.confidence() == null) return "";
            String upper = iv.upper() == null ? "unbounded" : f("%.2f", iv.upper());
            return f(" (%.0f%% confidence bounds %.2f-%s)", iv.confidence() * 100, iv.lower(), upper);
        }
    }

    private static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
