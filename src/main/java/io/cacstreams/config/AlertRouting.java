package io.cacstreams.config;

import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * What an alert record carries for an alerting system to route it (Alertmanager, PagerDuty Events v2).
 *
 * @param source         who raises the alerts: the application id
 * @param labels         static labels added to every alert ({@code cac.alert.label.<name>=<value>})
 * @param runbooks       runbook URL per rule name ({@code cac.alert.runbook.<rule>}, rule in lower case)
 * @param defaultRunbook runbook URL of a rule without its own ({@code cac.alert.runbook.url})
 * @param dashboardUrl   a dashboard link ({@code cac.alert.dashboard.url}), {@code {channel}} and {@code {window}}
 *                       (e.g. {@code 7d}) replaced; null for none
 */
public record AlertRouting(String source, Map<String, String> labels, Map<String, String> runbooks,
                           String defaultRunbook, String dashboardUrl) {

    /** Labels every alert has; a static label may not take these names. */
    public static final Set<String> BUILT_IN_LABELS = Set.of("alertname", "channel", "window", "rule", "severity",
            "source");

    /** Alertmanager's (and Prometheus') label names. */
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    /** The rules with a runbook setting of their own, as in the ChannelAlert schema. */
    static final Set<String> RULES = Set.of("LTV_CAC_BELOW_TARGET", "NO_CONVERSIONS");

    public AlertRouting {
        labels = Collections.unmodifiableMap(new TreeMap<>(labels));
        runbooks = Collections.unmodifiableMap(new TreeMap<>(runbooks));
    }

    /** The runbook URL of a rule (its own, else the default; null when neither is set). */
    public String runbookFor(String rule) {
        return runbooks.getOrDefault(rule, defaultRunbook);
    }

    /** The dashboard URL for one (channel, window), or null. */
    public String dashboardFor(String channel, int windowDays) {
        if (dashboardUrl == null) return null;
        return dashboardUrl.replace("{channel}", channel).replace("{window}", windowDays + "d");
    }

    static AlertRouting from(Settings s, String source, String defaultRunbook) {
        Map<String, String> labels = new TreeMap<>();
        s.withPrefix("cac.alert.label.").forEach((name, value) -> {
            String key = "cac.alert.label." + name;
            if (!LABEL_NAME.matcher(name).matches()) {
                throw new ConfigException(key, "'" + name + "' is not a label name ([a-zA-Z_][a-zA-Z0-9_]*)");
            }
            if (BUILT_IN_LABELS.contains(name)) {
                throw new ConfigException(key, "'" + name + "' is a built-in label of every alert");
            }
            if (value.isBlank()) throw new ConfigException(key, "a label needs a value");
            labels.put(name, value.trim());
        });
        Map<String, String> runbooks = new TreeMap<>();
        for (String rule : RULES) {
            String url = s.optional("cac.alert.runbook." + rule.toLowerCase(Locale.ROOT));
            if (url != null) runbooks.put(rule, url);
        }
        return new AlertRouting(source, labels, runbooks, defaultRunbook, s.optional("cac.alert.dashboard.url"));
    }
}
