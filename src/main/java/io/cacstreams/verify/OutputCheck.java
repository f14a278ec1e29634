package io.cacstreams.verify;

import io.cacstreams.events.AlertStatus;
import io.cacstreams.events.ChannelAlert;
import io.cacstreams.events.ChannelMetrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Compares what cac-streams wrote with what {@link ExpectedFigures} says it must have written. */
public final class OutputCheck {
    private static final double TOLERANCE = 1e-9;

    private OutputCheck() {
    }

    /** Every difference between a metrics record and the expected figures, one line each (empty: they agree). */
    public static List<String> compare(ExpectedFigures.Figures e, ChannelMetrics m) {
        List<String> out = new ArrayList<>();
        String where = m.getChannel() + "|" + m.getWindowDays() + "d@" + m.getAsOf();
        exact(out, where, "leads", e.leads(), m.getLeads());
        exact(out, where, "newCustomers", e.newCustomers(), m.getNewCustomers());
        exact(out, where, "churned", e.churned(), m.getChurned());
        exact(out, where, "churnedNew", e.churnedNew(), m.getChurnedNew());
        exact(out, where, "activeCustomers", e.active(), m.getActiveCustomers());
        exact(out, where, "customersAtStart", e.atStart(), m.getCustomersAtStart());
        close(out, where, "spend", e.spend(), m.getSpend());
        close(out, where, "avgLeadQuality", e.avgLeadQuality(), m.getAvgLeadQuality());
        close(out, where, "cpl", e.cpl(), m.getCpl());
        close(out, where, "cac", e.cac(), m.getCac());
        close(out, where, "arpu", e.arpu(), m.getArpu());
        close(out, where, "grossMargin", e.grossMargin(), m.getGrossMargin());
        close(out, where, "churnRate", e.churnRate(), m.getChurnRate());
        close(out, where, "monthlyChurnRate", e.monthlyChurnRate(), m.getMonthlyChurnRate());
        close(out, where, "ltv", e.ltv(), m.getLtv());
        close(out, where, "ltvToCac", e.ltvToCac(), m.getLtvToCac());
        close(out, where, "cacPaybackMonths", e.payback(), m.getCacPaybackMonths());
        return out;
    }

    /**
     * Checks the alert transitions as a subscriber sees them: per dedupKey they alternate FIRING (possibly changing
     * severity) and RESOLVED, a RESOLVED carries the alertId of its FIRING, a new FIRING a new id, and no transition
     * appears twice (which exactly-once forbids).
     */
    public static List<String> alerts(List<ChannelAlert> alerts) {
        List<String> out = new ArrayList<>();
        Map<String, ChannelAlert> last = new LinkedHashMap<>();
        for (ChannelAlert a : alerts) {
            ChannelAlert prev = last.get(a.getDedupKey());
            String where = a.getDedupKey() + " " + a.getStatus() + "/" + a.getSeverity() + " " + a.getAlertId();
            if (prev == null || prev.getStatus() == AlertStatus.RESOLVED) {
                if (a.getStatus() != AlertStatus.FIRING) out.add(where + ": RESOLVED without a FIRING before it");
                if (prev != null && prev.getAlertId().equals(a.getAlertId())) {
                    out.add(where + ": a new FIRING reuses the resolved alert's id (a duplicate?)");
                }
            } else {
                if (!prev.getAlertId().equals(a.getAlertId())) {
                    out.add(where + ": alertId changed while firing (was " + prev.getAlertId() + ")");
                }
                if (a.getStatus() == AlertStatus.FIRING && a.getSeverity() == prev.getSeverity()) {
                    out.add(where + ": the same transition emitted twice");
                }
            }
            last.put(a.getDedupKey(), a);
        }
        return out;
    }

    private static void exact(List<String> out, String where, String name, long expected, long actual) {
        if (expected != actual) out.add(where + " " + name + ": expected " + expected + ", was " + actual);
    }

    private static void close(List<String> out, String where, String name, Double expected, Double actual) {
        if (expected == null || actual == null) {
            if (!Objects.equals(expected, actual)) {
                out.add(where + " " + name + ": expected " + expected + ", was " + actual);
            }
            return;
        }
        double scale = Math.max(1.0, Math.abs(expected));
        if (Math.abs(expected - actual) > TOLERANCE * scale) {
            out.add(where + " " + name + ": expected " + expected + ", was " + actual);
        }
    }
}
