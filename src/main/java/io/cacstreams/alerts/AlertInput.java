package io.cacstreams.alerts;

import io.cacstreams.metrics.LtvCacInterval;

/**
 * What an alert evaluation of one (channel, window) looks at.
 *
 * @param ltvToCac   LTV:CAC with its interval ({@link LtvCacInterval#pointOnly} where none is computed: the point
 *                   value stands in for both bounds)
 * @param windowFull the channel's spend has been observed for at least the whole window (for NO_CONVERSIONS)
 * @param covered    the channel's data covers the window: its first spend is at or before the window's first bucket
 *                   (CAC is built from spend; a customer history imported long before says nothing about the
 *                   window), or it has never had spend (it never has an LTV:CAC alert). While false the window is
 *                   WARMING_UP and the LTV:CAC rule is not evaluated.
 * @param now        stream time of the evaluation
 */
public record AlertInput(String channel, int windowDays, LtvCacInterval ltvToCac, Double cac, Double ltv,
                         double spend, long newCustomers, boolean windowFull, boolean covered, long now) {

    /** For a caller without an interval or a coverage flag: the point value as both bounds, the window covered. */
    public AlertInput(String channel, int windowDays, Double ratio, Double cac, Double ltv, double spend,
                      long newCustomers, boolean windowFull, long now) {
        this(channel, windowDays, LtvCacInterval.pointOnly(ratio), cac, ltv, spend, newCustomers, windowFull, true,
                now);
    }

    /** LTV:CAC, or null where undefined. */
    public Double ratio() {
        return ltvToCac.ratio();
    }
}
