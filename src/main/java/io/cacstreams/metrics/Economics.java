package io.cacstreams.metrics;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.OptionalInt;

/**
 * Every derived figure of domain.md for one (channel, window); a null means undefined (zero denominator or an
 * unknown input).
 */
public record Economics(long customersAtStart, Double avgLeadQuality, Double cpl, Double leadToCustomerRate,
                        Double cac, Double arpu, Double grossMargin, Double churnRate, Double monthlyChurnRate,
                        Double retentionRate, Double ltv, Double ltvToCac, Double cacPaybackMonths) {

    /**
     * @param windowDays the window length L in days
     * @param discount   monthly discount rate i
     * @param horizon    lifetime cap H in months (empty: unbounded)
     */
    public static Economics of(WindowCounts w, CustomerBase base, int windowDays, double discount,
                               OptionalInt horizon) {
        long atStart = base.active() - w.newCustomers() + w.churned();
        Double cpl = Metrics.ratio(w.spend(), w.leads());
        Double cac = Metrics.ratio(w.spend(), w.newCustomers());
        Double arpu = Metrics.ratio(base.revenue(), base.active());
        Double margin = base.active() == 0 ? null
                : base.marginSum().divide(BigDecimal.valueOf(base.active()), MathContext.DECIMAL128).doubleValue();
        Double churnRate = atStart <= 0 ? null : Metrics.finite((double) (w.churned() - w.churnedNew()) / atStart);
        Double monthlyChurn = monthlyChurn(churnRate, windowDays);
        Double retention = monthlyChurn == null ? null : 1 - monthlyChurn;
        Double ltv = Ltv.of(arpu, margin, retention, discount, horizon);
        Double ltvToCac = Metrics.ratio(ltv, cac);
        Double payback = (arpu == null || margin == null) ? null : Metrics.ratio(cac, arpu * margin);
        return new Economics(atStart, Metrics.ratio(w.qualitySum(), w.qualityCount()), cpl,
                Metrics.ratio(w.newCustomers(), w.leads()), cac, arpu, margin, churnRate, monthlyChurn, retention,
                ltv, ltvToCac, payback);
    }

    /** {@code 1 - (1 - churnRate)^(30 / L)}; exactly churnRate for L = 30; null outside [0, 1]. */
    public static Double monthlyChurn(Double churnRate, int windowDays) {
        if (churnRate == null || churnRate < 0 || churnRate > 1) return null;
        if (windowDays == 30) return churnRate;
        return Metrics.finite(1 - Math.pow(1 - churnRate, 30.0 / windowDays));
    }
}
