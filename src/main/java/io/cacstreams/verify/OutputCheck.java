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
     * The at-least-once check of a metrics record: the raw counts that re-processing can only increase ({@code spend,
     * leads, newCustomers, churned, churnedNew}) must not be below the expected figures (loss). Figures that a
     * double-counted event can move either way ({@code activeCustomers} = acquisitions - churns,
     * {@code customersAtStart}) and every ratio are not asserted here.
     */
    public static List<String> lowerCounts(ExpectedFigures.Figures e, ChannelMetrics m) {
        List<String> out = new ArrayList<>();
        String where = m.getChannel() + "|" + m.getWindowDays() + "d@" + m.getAsOf();
        atLeast(out, where, "leads", e.leads(), m.getLeads());
        atLeast(out, where, "newCustomers", e.newCustomers(), m.getNewCustomers());
        atLeast(out, where, "churned", e.churned(), m.getChurned());
        atLeast(out, where, "churnedNew", e.churnedNew(), m.getChurnedNew());
        double scale = Math.max(1.0, Math.abs(e.spend()));
        if (m.getSpend() < e.spend() - TOLERANCE * scale) {
            out.add(where + " spend: LOST: expected at least " + e.spend() + ", was " + m.getSpend());
        }
        return out;
    }

    /**
     * The transitions as at-least-once may repeat them, with the repeats removed: exact repeats (same alertId, status,
     * severity, startsAt, endsAt; the first is kept), and a FIRING of the severity a dedupKey is already firing with.
     * The latter is what a re-evaluation after a crash emits when the alert's state came back older than the FIRING
     * already written: the alert fires again, under the id of that re-evaluation, and its RESOLVED will carry that
     * id, so the later FIRING is kept in place of the earlier one.
     */
    public static List<ChannelAlert> distinctTransitions(List<ChannelAlert> alerts) {
        java.util.Set<String> seen = new java.util.HashSet<>();
        Map<String, Integer> lastKept = new LinkedHashMap<>();
        List<ChannelAlert> out = new ArrayList<>();
        for (ChannelAlert a : alerts) {
            if (!seen.add(a.getAlertId() + "|" + a.getStatus() + "|" + a.getSeverity() + "|" + a.getStartsAt() + "|"
                    + a.getEndsAt())) {
                continue;
            }
            Integer i = lastKept.get(a.getDedupKey());
            ChannelAlert prev = i == null ? null : out.get(i);
            if (prev != null && prev.getStatus() == AlertStatus.FIRING && a.getStatus() == AlertStatus.FIRING
                    && prev.getSeverity() == a.getSeverity()) {
                out.set(i, a);
            } else {
                lastKept.put(a.getDedupKey(), out.size());
                out.add(a);
            }
        }
        return out;
    }

    private static void atLeast(List<String> out, String where, String name, long expected, long actual) {
        if (actual < expected) out.add(where + " " + name + ": LOST: expected at least " + expected + ", was " + actual);
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
