package io.cacstreams.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.DoubleUnaryOperator;

/**
 * The interval of LTV:CAC, written from docs/semantics.md ("The LTV:CAC interval") and nothing else: Garwood's exact
 * bounds of newCustomers (Poisson) and Clopper-Pearson's exact bounds of the churn from the start (binomial), each
 * found by bisection on the exact Poisson and binomial tail sums (the independent check the document describes, not
 * a statistics library), pushed through domain.md's LTV formula and combined on the log scale by MOVER.
 *
 * @param lower the lower bound; null where LTV:CAC is null
 * @param upper the upper bound; null where LTV:CAC is null or the data cannot bound it
 */
public record ModelInterval(Double lower, Double upper) {

    private static final Map<String, Double> QUANTILES = new ConcurrentHashMap<>();
    private static final List<Double> LOG_FACTORIALS = new ArrayList<>(List.of(0.0));

    /** The bounds around {@code fig.ltvToCac()}, each one-sided at {@code confidence}. */
    public static ModelInterval of(ModelFigures fig, double confidence) {
        Double ratio = fig.ltvToCac();
        if (ratio == null) return new ModelInterval(null, null);
        double alpha = 1 - confidence;
        long n = fig.newCustomers();
        long k = fig.churned() - fig.churnedNew();
        long atStart = fig.atStart();
        // LTV falls as churn rises: the churn's lower bound gives LTV's upper bound
        Double ltvHigh = ltvAt(fig, churnLower(k, atStart, alpha));
        Double ltvLow = ltvAt(fig, churnUpper(k, atStart, alpha));
        double nLow = poissonLower(n, alpha);
        double nHigh = poissonUpper(n, alpha);
        if (ratio == 0) {
            return new ModelInterval(0.0, ltvHigh == null ? null : ltvHigh * nHigh / fig.spend().doubleValue());
        }
        double ltv = fig.ltv();
        double down = Math.sqrt(square(Math.log(n / nLow)) + square(Math.log(ltv / ltvLow)));
        double lower = ratio * Math.exp(-down);
        if (ltvHigh == null) return new ModelInterval(lower, null);
        double up = Math.sqrt(square(Math.log(nHigh / n)) + square(Math.log(ltvHigh / ltv)));
        return new ModelInterval(lower, ratio * Math.exp(up));
    }

    /**
     * domain.md's LTV at churn rate {@code c} over the window: the formula of {@link ModelFigures#ltv()} with the
     * retention of that churn rate in place of the measured one.
     */
    static Double ltvAt(ModelFigures fig, double c) {
        Double p = fig.arpu();
        Double m = fig.grossMargin();
        if (p == null || m == null) return null;
        double r = Math.pow(1.0 - c, 30.0 / fig.windowDays());
        double i = fig.monthlyDiscountRate();
        double q = r / (1.0 + i);
        if (fig.horizonMonths().isEmpty()) return q >= 1.0 ? null : p * m * r / (1.0 + i - r);
        int h = fig.horizonMonths().getAsInt();
        return q == 1.0 ? p * m * h : p * m * q * (1.0 - Math.pow(q, h)) / (1.0 - q);
    }

    /** Garwood: the mean λ with P(X >= n) = alpha (0 for n = 0). */
    static double poissonLower(long n, double alpha) {
        if (n == 0) return 0;
        return quantile("pl" + n + "/" + alpha, lambda -> 1 - poissonCdf(n - 1, lambda) - alpha, 0, n);
    }

    /** Garwood: the mean λ with P(X <= n) = alpha. */
    static double poissonUpper(long n, double alpha) {
        double hi = n + 20 * Math.sqrt(n + 1.0) + 20;
        return quantile("pu" + n + "/" + alpha, lambda -> alpha - poissonCdf(n, lambda), n, hi);
    }

    /** Clopper-Pearson: the proportion p with P(X >= k | n, p) = alpha (0 for k = 0). */
    static double churnLower(long k, long n, double alpha) {
        if (k <= 0) return 0;
        return quantile("cl" + k + "/" + n + "/" + alpha, p -> 1 - binomialCdf(k - 1, n, p) - alpha, 0, 1);
    }

    /** Clopper-Pearson: the proportion p with P(X <= k | n, p) = alpha (1 for k = n). */
    static double churnUpper(long k, long n, double alpha) {
        if (k >= n) return 1;
        return quantile("cu" + k + "/" + n + "/" + alpha, p -> alpha - binomialCdf(k, n, p), 0, 1);
    }

    /** The root of {@code f}, increasing on [lo, hi], by bisection to the last bit; remembered by {@code key}. */
    private static double quantile(String key, DoubleUnaryOperator f, double lo, double hi) {
        return QUANTILES.computeIfAbsent(key, k -> {
            double a = lo;
            double b = hi;
            for (int i = 0; i < 2000; i++) {
                double mid = (a + b) / 2;
                if (mid <= a || mid >= b) break;
                if (f.applyAsDouble(mid) < 0) a = mid; else b = mid;
            }
            return (a + b) / 2;
        });
    }

    private static double poissonCdf(long n, double lambda) {
        if (lambda == 0) return 1;
        double sum = 0;
        for (long j = 0; j <= n; j++) sum += Math.exp(-lambda + j * Math.log(lambda) - logFactorial(j));
        return Math.min(1, sum);
    }

    private static double binomialCdf(long k, long n, double p) {
        if (p <= 0) return 1;
        if (p >= 1) return k >= n ? 1 : 0;
        double sum = 0;
        for (long j = 0; j <= k; j++) {
            sum += Math.exp(logFactorial(n) - logFactorial(j) - logFactorial(n - j) + j * Math.log(p)
                    + (n - j) * Math.log1p(-p));
        }
        return Math.min(1, sum);
    }

    private static synchronized double logFactorial(long n) {
        while (LOG_FACTORIALS.size() <= n) {
            int m = LOG_FACTORIALS.size();
            LOG_FACTORIALS.add(LOG_FACTORIALS.get(m - 1) + Math.log(m));
        }
        return LOG_FACTORIALS.get((int) n);
    }

    private static double square(double x) {
        return x * x;
    }
}
