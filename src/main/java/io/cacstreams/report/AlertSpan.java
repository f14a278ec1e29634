package io.cacstreams.report;

/**
 * One alert of one (channel, window, rule), from its FIRING to its RESOLVED: the records of {@code channel-alerts}
 * that share an {@code alertId}.
 *
 * @param firedAt         {@code startsAt}: the end of the settled window that fired
 * @param resolvedAt      {@code endsAt} of its RESOLVED, or null while it fires
 * @param severityChanges FIRING records after the first (WARNING to CRITICAL and back): the same alert
 */
public record AlertSpan(String alertId, long firedAt, Long resolvedAt, int severityChanges) {

    /** Whether the alert was firing at some time in {@code [from, to)}. */
    public boolean overlaps(long from, long to) {
        return firedAt < to && (resolvedAt == null || resolvedAt > from);
    }
}
