package io.cacstreams.devstack;

import io.cacstreams.events.AlertStatus;
import io.cacstreams.events.ChannelAlert;
import io.cacstreams.events.ChannelMetrics;

import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The demo's live view: the latest metrics of one window per channel as a table, refreshed in place on a terminal
 * (ANSI home + clear), and the most recent alert transitions beneath it. Fed from the output topics.
 */
public final class ConsoleDashboard {
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.UTC);
    private final int windowDays;
    private final boolean ansi;
    private final Map<String, ChannelMetrics> latest = new TreeMap<>();
    private final Deque<ChannelAlert> alerts = new ArrayDeque<>();
    private long alertCount;

    public ConsoleDashboard(int windowDays, boolean ansi) {
        this.windowDays = windowDays;
        this.ansi = ansi;
    }

    public synchronized void onMetrics(ChannelMetrics m) {
        if (m.getWindowDays() == windowDays) latest.put(m.getChannel(), m);
    }

    public synchronized void onAlert(ChannelAlert a) {
        alerts.addFirst(a);
        alertCount++;
        while (alerts.size() > 8) alerts.removeLast();
    }

    public synchronized boolean hasMetrics() {
        return !latest.isEmpty();
    }

    public synchronized String render(String header) {
        StringBuilder b = new StringBuilder();
        if (ansi) b.append("\033[H\033[2J");
        b.append(header).append('\n');
        Instant asOf = latest.values().stream().map(ChannelMetrics::getAsOf).max(Instant::compareTo).orElse(null);
        b.append(String.format(Locale.ROOT, "Rolling %dd window%s%n%n", windowDays,
                asOf == null ? " (waiting for the first metrics)" : ", stream time " + DAY.format(asOf)));
        b.append(String.format(Locale.ROOT, "%-12s %12s %7s %6s %7s %9s %9s %8s %8s %8s  %s%n", "channel", "spend",
                "leads", "new", "active", "CAC", "LTV", "LTV:CAC", "payback", "churn/mo", "status"));
        for (ChannelMetrics m : latest.values()) {
            String status = m.getStatus().name();
            if (ansi) status = colour(status);
            b.append(String.format(Locale.ROOT, "%-12s %12s %7d %6d %7d %9s %9s %8s %8s %8s  %s%n", m.getChannel(),
                    num(m.getSpend(), 0), m.getLeads(), m.getNewCustomers(), m.getActiveCustomers(),
                    num(m.getCac(), 2), num(m.getLtv(), 0), num(m.getLtvToCac(), 2),
                    m.getCacPaybackMonths() == null ? "-" : num(m.getCacPaybackMonths(), 1) + "mo",
                    m.getMonthlyChurnRate() == null ? "-" : num(100 * m.getMonthlyChurnRate(), 1) + "%", status));
        }
        b.append(String.format(Locale.ROOT, "%nAlerts (%d so far, newest first)%n", alertCount));
        for (ChannelAlert a : alerts) {
            b.append("  ").append(DAY.format(a.getEvaluatedAt())).append("  ").append(a.getMessage()).append('\n');
        }
        return b.toString();
    }

    public void print(PrintStream out, String header) {
        out.print(render(header));
        out.flush();
    }

    /** One line per alert transition, for logs and non-terminal output. */
    public static String line(ChannelAlert a) {
        return (a.getStatus() == AlertStatus.FIRING ? "ALERT " : "RESOLVED ") + a.getMessage() + " (alertId "
                + a.getAlertId() + ")";
    }

    private static String num(Double v, int decimals) {
        return v == null ? "-" : String.format(Locale.ROOT, "%,." + decimals + "f", v);
    }

    private static String colour(String status) {
        String code = switch (status) {
            case "OK" -> "32";
            case "WARNING" -> "33";
            case "CRITICAL", "NO_CONVERSIONS" -> "31";
            default -> "90";
        };
        return "\033[" + code + "m" + status + "\033[0m";
    }
}
