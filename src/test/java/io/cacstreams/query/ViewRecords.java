package io.cacstreams.query;

import io.cacstreams.events.AlertRule;
import io.cacstreams.events.AlertSeverity;
import io.cacstreams.events.AlertStatus;
import io.cacstreams.events.ChannelAlert;
import io.cacstreams.events.ChannelMetrics;
import io.cacstreams.events.MetricStatus;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/** Output records as cac-streams writes them, for feeding the query view directly. */
final class ViewRecords {
    static final Instant T0 = Instant.parse("2026-03-01T00:00:00Z");

    private ViewRecords() {
    }

    static Instant at(double days) {
        return T0.plusMillis(Math.round(days * 86_400_000L));
    }

    static String key(String channel, int days) {
        return channel + "|" + days + "d";
    }

    /** Figures derived from {@code ratio} and {@code cac}, plausible enough for a dashboard. */
    static ChannelMetrics metrics(String channel, int days, Instant asOf, double ratio, double cac) {
        return metrics(channel, days, asOf, ratio, cac, null);
    }

    /** With {@code settled}: true for settled figures, false for a live snapshot, null as before the field. */
    static ChannelMetrics metrics(String channel, int days, Instant asOf, double ratio, double cac, Boolean settled) {
        Instant end = asOf.truncatedTo(java.time.temporal.ChronoUnit.HOURS).plus(Duration.ofHours(1));
        long newCustomers = 40;
        return ChannelMetrics.newBuilder().setChannel(channel).setWindowDays(days)
                .setWindowStart(end.minus(Duration.ofDays(days))).setWindowEnd(end).setAsOf(asOf)
                .setReportingCurrency("USD").setSpend(cac * newCustomers).setLeads(400).setAvgLeadQuality(55.0)
                .setNewCustomers(newCustomers).setChurned(5).setChurnedNew(1).setActiveCustomers(500)
                .setCustomersAtStart(465).setCpl(cac * newCustomers / 400).setLeadToCustomerRate(0.1).setCac(cac)
                .setArpu(100.0).setGrossMargin(0.8).setChurnRate(0.01).setMonthlyChurnRate(0.02)
                .setRetentionRate(0.98).setLtv(ratio * cac).setLtvToCac(ratio).setCacPaybackMonths(cac / 80)
                .setStatus(ratio < 1 ? MetricStatus.CRITICAL : ratio < 3 ? MetricStatus.WARNING : MetricStatus.OK)
                .setSettled(settled).build();
    }

    static ChannelAlert alert(String channel, int days, AlertStatus status, AlertSeverity severity, Instant at,
                              double ratio) {
        String dedupKey = "cac-streams/" + AlertRule.LTV_CAC_BELOW_TARGET + "/" + channel + "/" + days + "d";
        return ChannelAlert.newBuilder().setAlertId(UUID.nameUUIDFromBytes(dedupKey.getBytes()).toString())
                .setDedupKey(dedupKey).setRule(AlertRule.LTV_CAC_BELOW_TARGET).setChannel(channel)
                .setWindowDays(days).setStatus(status).setSeverity(severity).setRatio(ratio).setThreshold(3.0)
                .setCriticalThreshold(1.0).setCac(200.0).setLtv(ratio * 200).setSpend(8000).setNewCustomers(40)
                .setReportingCurrency("USD").setStartsAt(at).setEndsAt(status == AlertStatus.RESOLVED ? at : null)
                .setEvaluatedAt(at).setRunbookUrl("https://runbooks.example.com/cac")
                .setMessage(channel + " " + days + "d LTV:CAC " + ratio + " below 3.0").build();
    }
}
