package io.cacstreams.bridge;

import io.cacstreams.events.AlertSeverity;
import io.cacstreams.events.AlertStatus;
import io.cacstreams.events.ChannelAlert;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * How a {@link ChannelAlert} transition becomes Alertmanager alerts. Alertmanager knows an alert by its label set, and
 * {@code severity} is a label, so a change of severity is two alerts: the new label set firing and the previous one
 * resolved. A firing alert is valid for a while ({@code endsAt} = now + validity) and kept alive by re-sends; a
 * RESOLVED ends it at its {@code endsAt}. Alert times are the application's stream time: they are clamped to the
 * wall-clock time of the bridge, so that an alert is never sent as starting, or ending, in the future.
 */
final class AlertmanagerMapping {
    private AlertmanagerMapping() {
    }

    /** The alerts to post for one transition read from the topic. */
    static List<PostableAlert> ofTransition(ChannelAlert a, Instant now, Duration validity) {
        List<PostableAlert> out = new ArrayList<>(2);
        if (a.getStatus() == AlertStatus.FIRING && a.getPreviousSeverity() != null
                && a.getPreviousSeverity() != a.getSeverity()) {
            out.add(postable(a, a.getPreviousSeverity(), now, now));
        }
        out.add(a.getStatus() == AlertStatus.FIRING ? firing(a, now, validity)
                : postable(a, a.getSeverity(), now, a.getEndsAt() == null ? now : a.getEndsAt()));
        return out;
    }

    /** A firing alert (again), valid until now + validity. */
    static PostableAlert firing(ChannelAlert a, Instant now, Duration validity) {
        return postable(a, a.getSeverity(), now, now.plus(validity));
    }

    /** Of alerts with equal label sets, only the last: one state per Alertmanager alert in a request. */
    static List<PostableAlert> lastPerLabelSet(List<PostableAlert> alerts) {
        Map<Map<String, String>, PostableAlert> last = new LinkedHashMap<>();
        for (PostableAlert p : alerts) {
            last.remove(p.labels());
            last.put(p.labels(), p);
        }
        return new ArrayList<>(last.values());
    }

    /** The label set of an alert at a severity: the record's labels, completed for records without any. */
    static Map<String, String> labels(ChannelAlert a, AlertSeverity severity) {
        Map<String, String> l = new TreeMap<>(a.getLabels() == null ? Map.of() : a.getLabels());
        l.putIfAbsent("alertname", a.getRule().name());
        l.putIfAbsent("rule", a.getRule().name());
        l.putIfAbsent("channel", a.getChannel());
        l.putIfAbsent("window", a.getWindowDays() + "d");
        if (a.getSource() != null) l.putIfAbsent("source", a.getSource());
        l.put("severity", severity.name().toLowerCase(Locale.ROOT));
        return l;
    }

    private static PostableAlert postable(ChannelAlert a, AlertSeverity severity, Instant now, Instant endsAt) {
        Instant startsAt = a.getStartsAt().isAfter(now) ? now : a.getStartsAt();
        Instant ends = endsAt.isBefore(startsAt) ? startsAt : endsAt;
        if (a.getStatus() == AlertStatus.RESOLVED && ends.isAfter(now)) ends = now;
        return new PostableAlert(labels(a, severity), annotations(a), startsAt.toString(), ends.toString(),
                a.getDashboardUrl());
    }

    private static Map<String, String> annotations(ChannelAlert a) {
        Map<String, String> n = new TreeMap<>();
        n.put("summary", a.getSummary() != null ? a.getSummary() : a.getMessage());
        n.put("description", a.getDescription() != null ? a.getDescription() : a.getMessage());
        n.put("message", a.getMessage());
        n.put("alert_id", a.getAlertId());
        n.put("dedup_key", a.getDedupKey());
        if (a.getRunbookUrl() != null) n.put("runbook_url", a.getRunbookUrl());
        if (a.getDashboardUrl() != null) n.put("dashboard_url", a.getDashboardUrl());
        if (a.getPreviousSeverity() != null) n.put("previous_severity", a.getPreviousSeverity().name());
        return n;
    }
}
