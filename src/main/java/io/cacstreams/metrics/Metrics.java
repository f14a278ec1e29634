package io.cacstreams.metrics;

import java.math.BigDecimal;
import java.math.MathContext;

/** Small helpers shared by the formulas: a null is never replaced by 0 or infinity. */
final class Metrics {
    private Metrics() {
    }

    static Double finite(double d) {
        return Double.isFinite(d) ? d : null;
    }

    /** a / b, or null when b is zero or either is null. */
    static Double ratio(Double a, Double b) {
        if (a == null || b == null || b == 0) return null;
        return finite(a / b);
    }

    static Double ratio(BigDecimal a, long b) {
        if (b == 0) return null;
        return a.divide(BigDecimal.valueOf(b), MathContext.DECIMAL128).doubleValue();
    }

    static Double ratio(long a, long b) {
        if (b == 0) return null;
        return (double) a / b;
    }
}
