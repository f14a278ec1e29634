package io.cacstreams.config;

import java.time.Duration;

/**
 * The LTV:CAC alert rule for one channel: FIRING below {@code threshold} (CRITICAL below {@code critical}),
 * RESOLVED at or above {@code threshold * (1 + hysteresis)}, evaluated only with at least {@code minNewCustomers}
 * in the window, firing only once the condition has held for {@code forSpan} of stream time.
 */
public record AlertThresholds(double threshold, double critical, double hysteresis, Duration forSpan,
                              long minNewCustomers) {

    public static AlertThresholds defaults() {
        return new AlertThresholds(3.0, 1.0, 0.05, Duration.ZERO, 10);
    }

    public double resolveAt() {
        return threshold * (1 + hysteresis);
    }

    public double deEscalateAt() {
        return critical * (1 + hysteresis);
    }
}
