package io.cacstreams.config;

import java.time.Duration;

/**
 * The LTV:CAC alert rule for one channel: FIRING when the ratio is below {@code threshold} with the given
 * {@code confidence} (CRITICAL: below {@code critical}), RESOLVED when it is back at or above
 * {@code threshold * (1 + hysteresis)} and the interval no longer says it is below the threshold; evaluated only with
 * at least {@code minNewCustomers} in the window, firing only once the condition has held for {@code forSpan} of
 * stream time.
 *
 * @param confidence one-sided confidence of each bound of LTV:CAC, in [0.5, 1) (default 0.90)
 */
public record AlertThresholds(double threshold, double critical, double hysteresis, Duration forSpan,
                              long minNewCustomers, double confidence) {

    /** The default confidence of the LTV:CAC interval. */
    public static final double DEFAULT_CONFIDENCE = 0.90;

    /** Thresholds at the default confidence. */
    public AlertThresholds(double threshold, double critical, double hysteresis, Duration forSpan,
                           long minNewCustomers) {
        this(threshold, critical, hysteresis, forSpan, minNewCustomers, DEFAULT_CONFIDENCE);
    }

    public static AlertThresholds defaults() {
        return new AlertThresholds(3.0, 1.0, 0.05, Duration.ZERO, 10, DEFAULT_CONFIDENCE);
    }

    public double resolveAt() {
        return threshold * (1 + hysteresis);
    }

    public double deEscalateAt() {
        return critical * (1 + hysteresis);
    }
}
