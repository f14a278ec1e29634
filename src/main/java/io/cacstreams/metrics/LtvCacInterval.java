package io.cacstreams.metrics;

import org.apache.commons.math3.distribution.BetaDistribution;
import org.apache.commons.math3.distribution.ChiSquaredDistribution;

import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.DoubleSupplier;

/**
 * LTV:CAC of one (channel, window) with a confidence interval (docs/semantics.md, "The LTV:CAC interval").
 * <p>
 * The ratio is {@code LTV(churn) * newCustomers / spend}. Two counts carry its sampling noise: {@code newCustomers}
 * (Poisson: exact Garwood bounds) and the churn from the start, {@code k = churned - churnedNew} of
 * {@code n = atStart} customers (binomial: exact Clopper-Pearson bounds). Each count's one-sided bound at level
 * {@code 1 - confidence} is pushed through domain.md's formulas (LTV grows as churn falls, so the churn's lower
 * bound gives LTV's upper bound), and the two are combined on the log scale by MOVER (Zou and Donner 2008): the
 * distances of the component bounds from the estimate add in quadrature. Spend, ARPU and margin are taken as known:
 * spend is measured, and ARPU and margin are means over the whole active base (hundreds of customers), whose
 * spread the state does not keep and whose error is small beside the counts'.
 * <p>
 * Each bound is one-sided at the confidence, because each answers one of the alert's questions: "is the ratio below
 * T with this confidence?" (upper &lt; T) and "is it no longer below T?" (lower &ge; T). Together they form a
 * two-sided interval at {@code 2 * confidence - 1} (80% at the default 90%).
 *
 * @param ratio      LTV:CAC exactly as {@link Economics#ltvToCac()}; null where undefined
 * @param lower      lower bound; null only where the ratio is null
 * @param upper      upper bound; null where the ratio is null or where the data cannot bound it (no churn from the
 *                   start: LTV may be unbounded)
 * @param confidence the one-sided confidence of each bound; null for {@link #pointOnly}
 */
public record LtvCacInterval(Double ratio, Double lower, Double upper, Double confidence) {

    /** The default confidence ({@code cac.alert.confidence}). */
    public static final double DEFAULT_CONFIDENCE = 0.90;

    /**
     * Quantiles already computed. Each costs 0.1 to 0.2 ms (an inverse distribution function solved numerically) and
     * every settled bucket asks for one per count, channel and window, while the counts move slowly: most are asked
     * for again and again. Bounded: cleared when full (a few MB at most).
     */
    private static final Map<Quantile, Double> QUANTILES = new ConcurrentHashMap<>();
    private static final int MAX_QUANTILES = 50_000;

    private record Quantile(char bound, long k, long n, double alpha) {
    }

    /** No interval: the point value stands in for both bounds (domain.md, "Alerts"). */
    public static LtvCacInterval pointOnly(Double ratio) {
        return new LtvCacInterval(ratio, ratio, ratio, null);
    }

    /**
     * The interval from the inputs of {@link Economics#of}: one call beside it.
     *
     * @param confidence one-sided confidence of each bound, in [0.5, 1)
     */
    public static LtvCacInterval of(WindowCounts w, CustomerBase base, int windowDays, double discount,
                                    OptionalInt horizon, double confidence) {
        return of(Economics.of(w, base, windowDays, discount, horizon), w, windowDays, discount, horizon, confidence);
    }

    /**
     * The interval from the figures already computed for the window ({@code e = Economics.of(w, base, windowDays,
     * discount, horizon)}), without computing them again.
     */
    public static LtvCacInterval of(Economics e, WindowCounts w, int windowDays, double discount,
                                    OptionalInt horizon, double confidence) {
        if (!(confidence >= 0.5 && confidence < 1)) {
            throw new IllegalArgumentException("confidence must be in [0.5, 1), was " + confidence);
        }
        Double ratio = e.ltvToCac();
        if (ratio == null) return new LtvCacInterval(null, null, null, confidence);
        double alpha = 1 - confidence;
        long n = w.newCustomers(); // >= 1: CAC is defined and non-zero
        long k = w.churned() - w.churnedNew();
        long atStart = e.customersAtStart(); // >= 1 and >= k: the churn rate is defined and in [0, 1]
        // LTV at the churn rate's bounds: the lower churn rate gives the higher LTV
        Double ltvHigh = ltvAt(churnLower(k, atStart, alpha), e, windowDays, discount, horizon);
        Double ltvLow = ltvAt(churnUpper(k, atStart, alpha), e, windowDays, discount, horizon);
        double nLow = poissonLower(n, alpha);
        double nHigh = poissonUpper(n, alpha);
        double spend = w.spend().doubleValue();
        if (ratio == 0) {
            // zero LTV (no revenue, or every customer at the start churned): no log scale; the box bound is safe
            Double up = ltvHigh == null ? null : Metrics.finite(ltvHigh * nHigh / spend);
            return new LtvCacInterval(ratio, 0.0, up == null ? null : Math.max(up, 0.0), confidence);
        }
        double ltv = e.ltv();
        double downN = Math.log(n) - Math.log(nLow);
        double upN = Math.log(nHigh) - Math.log(n);
        double downLtv = ltvLow == null || ltvLow <= 0 ? Double.POSITIVE_INFINITY : Math.log(ltv) - Math.log(ltvLow);
        double upLtv = ltvHigh == null ? Double.POSITIVE_INFINITY : Math.log(ltvHigh) - Math.log(ltv);
        double lower = ratio * Math.exp(-Math.hypot(downN, downLtv));
        double upper = ratio * Math.exp(Math.hypot(upN, upLtv));
        // rounding must never put the estimate outside its own interval
        return new LtvCacInterval(ratio, Math.min(lower, ratio),
                Double.isFinite(upper) ? Math.max(upper, ratio) : null, confidence);
    }

    /** The ratio is below {@code t} with the interval's confidence (upper bound &lt; t); false when unbounded. */
    public boolean surelyBelow(double t) {
        return upper != null && upper < t;
    }

    /** The interval no longer says the ratio is below {@code t} (lower bound &ge; t). */
    public boolean notBelow(double t) {
        return lower != null && lower >= t;
    }

    private static Double ltvAt(double churnRate, Economics e, int windowDays, double discount, OptionalInt horizon) {
        Double monthly = Economics.monthlyChurn(churnRate, windowDays);
        Double retention = monthly == null ? null : 1 - monthly;
        return Ltv.of(e.arpu(), e.grossMargin(), retention, discount, horizon);
    }

    /** Garwood's exact lower bound of a Poisson mean with {@code n} observed, one-sided level {@code alpha}. */
    static double poissonLower(long n, double alpha) {
        if (n == 0) return 0;
        return cached(new Quantile('p', n, 0, alpha),
                () -> new ChiSquaredDistribution(null, 2.0 * n).inverseCumulativeProbability(alpha) / 2);
    }

    /** Garwood's exact upper bound of a Poisson mean with {@code n} observed. */
    static double poissonUpper(long n, double alpha) {
        return cached(new Quantile('P', n, 0, alpha),
                () -> new ChiSquaredDistribution(null, 2.0 * n + 2).inverseCumulativeProbability(1 - alpha) / 2);
    }

    /** Clopper-Pearson's exact lower bound of a proportion, {@code k} of {@code n}. */
    static double churnLower(long k, long n, double alpha) {
        if (k <= 0) return 0;
        return cached(new Quantile('b', k, n, alpha),
                () -> new BetaDistribution(null, k, n - k + 1.0).inverseCumulativeProbability(alpha));
    }

    /** Clopper-Pearson's exact upper bound of a proportion, {@code k} of {@code n}. */
    static double churnUpper(long k, long n, double alpha) {
        if (k >= n) return 1;
        return cached(new Quantile('B', k, n, alpha),
                () -> new BetaDistribution(null, k + 1.0, n - k).inverseCumulativeProbability(1 - alpha));
    }

    private static double cached(Quantile q, DoubleSupplier compute) {
        Double known = QUANTILES.get(q);
        if (known != null) return known;
        double value = compute.getAsDouble();
        if (QUANTILES.size() >= MAX_QUANTILES) QUANTILES.clear();
        QUANTILES.put(q, value);
        return value;
    }
}
