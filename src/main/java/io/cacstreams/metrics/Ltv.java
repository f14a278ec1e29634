package io.cacstreams.metrics;

import java.util.OptionalInt;

/** Lifetime value: {@code p * m * sum_{k=1..H} q^k} with {@code q = r / (1 + i)} (domain.md, "LTV"). */
public final class Ltv {
    private Ltv() {
    }

    /**
     * @param arpu      monthly revenue per customer, p
     * @param margin    gross margin, m
     * @param retention monthly retention rate, r
     * @param discount  monthly discount rate, i (>= 0)
     * @param horizon   lifetime cap H in months, empty for unbounded
     * @return LTV, or null where it is undefined (any input null, or q = 1 with H unbounded)
     */
    public static Double of(Double arpu, Double margin, Double retention, double discount, OptionalInt horizon) {
        if (arpu == null || margin == null || retention == null) return null;
        double q = retention / (1 + discount);
        double pm = arpu * margin;
        if (horizon.isEmpty()) {
            double denominator = 1 + discount - retention;
            if (q >= 1 || denominator <= 0) return null;
            return Metrics.finite(pm * retention / denominator);
        }
        int h = horizon.getAsInt();
        if (q == 1) return Metrics.finite(pm * h);
        // sum_{k=1..H} q^k = q (1 - q^H) / (1 - q)
        return Metrics.finite(pm * q * (1 - Math.pow(q, h)) / (1 - q));
    }
}
