package io.cacstreams.alerts;

/**
 * What an alert evaluation of one (channel, window) looks at.
 *
 * @param windowFull the channel has been observed for at least the whole window (for NO_CONVERSIONS)
 * @param now        stream time of the evaluation
 */
public record AlertInput(String channel, int windowDays, Double ratio, Double cac, Double ltv, double spend,
                         long newCustomers, boolean windowFull, long now) {
}
