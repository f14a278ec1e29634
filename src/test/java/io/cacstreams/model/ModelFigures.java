package io.cacstreams.model;

import java.math.BigDecimal;
import java.util.OptionalInt;

/**
 * The derived figures of one (channel, window), written from domain.md's "Definitions" table and nothing else.
 * Inputs are the window's counts and sums plus the not-windowed customer base; every output that domain.md calls
 * undefined (zero denominator, unknown input) is null.
 *
 * @param spend       spend in the window, reporting currency (exact)
 * @param qualitySum  sum of the qualityScore values present in the window's leads
 * @param qualityCount how many leads in the window carry a qualityScore
 * @param revenueSum  sum of the monthlyRevenue (reporting currency) of the channel's active customers
 * @param marginSum   sum of the active customers' margins (each fixed at acquisition)
 */
public record ModelFigures(BigDecimal spend, long leads, long qualitySum, long qualityCount, long newCustomers,
                           long churned, long churnedNew, long active, BigDecimal revenueSum, double marginSum,
                           long windowDays, double monthlyDiscountRate, OptionalInt horizonMonths) {

    public long atStart() {
        return active - newCustomers + churned;
    }

    public double spendDouble() {
        return spend.doubleValue();
    }

    public Double avgLeadQuality() {
        return qualityCount == 0 ? null : (double) qualitySum / qualityCount;
    }

    public Double cpl() {
        return leads == 0 ? null : spend.doubleValue() / leads;
    }

    public Double leadToCustomerRate() {
        return leads == 0 ? null : (double) newCustomers / leads;
    }

    public Double cac() {
        return newCustomers == 0 ? null : spend.doubleValue() / newCustomers;
    }

    public Double arpu() {
        return active == 0 ? null : revenueSum.doubleValue() / active;
    }

    /** Mean of the active customers' margins; undefined without active customers (zero denominator). */
    public Double grossMargin() {
        return active == 0 ? null : marginSum / active;
    }

    public Double churnRate() {
        long start = atStart();
        return start <= 0 ? null : (double) (churned - churnedNew) / start;
    }

    /** 1 - (1 - churnRate)^(30 / L), L in days. */
    public Double monthlyChurnRate() {
        Double c = churnRate();
        return c == null ? null : 1.0 - Math.pow(1.0 - c, 30.0 / windowDays);
    }

    public Double retentionRate() {
        Double m = monthlyChurnRate();
        return m == null ? null : 1.0 - m;
    }

    /** p * m * sum_{k=1..H} q^k with q = r / (1 + i); closed form p*m*r/(1+i-r) when H is unbounded; null at q = 1, H unbounded. */
    public Double ltv() {
        Double p = arpu();
        Double m = grossMargin();
        Double r = retentionRate();
        if (p == null || m == null || r == null) return null;
        double i = monthlyDiscountRate;
        double q = r / (1.0 + i);
        if (horizonMonths.isEmpty()) {
            if (q >= 1.0) return null;
            return p * m * r / (1.0 + i - r);
        }
        int h = horizonMonths.getAsInt();
        if (q == 1.0) return p * m * h;
        return p * m * q * (1.0 - Math.pow(q, h)) / (1.0 - q);
    }

    /** LTV / CAC; null where either is unknown or CAC is 0 (an organic channel is never "below 3:1"). */
    public Double ltvToCac() {
        Double ltv = ltv();
        Double cac = cac();
        if (ltv == null || cac == null || cac == 0.0) return null;
        return ltv / cac;
    }

    /** CAC / (ARPU * grossMargin). */
    public Double cacPaybackMonths() {
        Double cac = cac();
        Double p = arpu();
        Double m = grossMargin();
        if (cac == null || p == null || m == null) return null;
        double monthlyGrossProfit = p * m;
        return monthlyGrossProfit == 0.0 ? null : cac / monthlyGrossProfit;
    }
}
