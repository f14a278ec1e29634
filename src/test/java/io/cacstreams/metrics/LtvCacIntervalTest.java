package io.cacstreams.metrics;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.OptionalInt;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * The LTV:CAC interval: the worked examples of docs/semantics.md (bounds computed independently, with exact Poisson and
 * binomial sums and with SciPy's chi2/beta quantiles), its null rules, and its statistical properties.
 */
class LtvCacIntervalTest {

    /** A window: {@code newCustomers} and {@code k} churns from {@code atStart}, everyone paying {@code arpu}. */
    private static LtvCacInterval interval(double spend, long newCustomers, long atStart, long k, double arpu,
                                           double margin, int days, double discount, OptionalInt horizon,
                                           double confidence) {
        long active = atStart - k + newCustomers;
        CustomerBase base = new CustomerBase(active, BigDecimal.valueOf(arpu).multiply(BigDecimal.valueOf(active)),
                BigDecimal.valueOf(margin).multiply(BigDecimal.valueOf(active)));
        WindowCounts w = new WindowCounts(BigDecimal.valueOf(spend), 0, 0, 0, newCustomers, k, 0);
        return LtvCacInterval.of(w, base, days, discount, horizon, confidence);
    }

    @Test
    void workedExampleOfSemanticsDoc() {
        // domain.md example 2: spend 12,000, 60 new, 25 of 500 churned, ARPU 100, m = 0.8, L = 30: LTV:CAC 7.6
        LtvCacInterval i = interval(12_000, 60, 500, 25, 100, 0.8, 30, 0, OptionalInt.empty(), 0.90);
        assertThat(i.ratio()).isCloseTo(7.6, within(1e-9));
        assertThat(i.lower()).isCloseTo(5.4740, within(1e-4));
        assertThat(i.upper()).isCloseTo(10.6437, within(1e-4));
        assertThat(i.confidence()).isEqualTo(0.90);
        // the component bounds of the example
        assertThat(LtvCacInterval.poissonLower(60, 0.10)).isCloseTo(50.3118, within(1e-4));
        assertThat(LtvCacInterval.poissonUpper(60, 0.10)).isCloseTo(71.1989, within(1e-4));
        assertThat(LtvCacInterval.churnLower(25, 500, 0.10)).isCloseTo(0.0378863, within(1e-7));
        assertThat(LtvCacInterval.churnUpper(25, 500, 0.10)).isCloseTo(0.0649147, within(1e-7));
    }

    @Test
    void sevenDayWindowWithDiscountAndHorizonNormalisesTheChurnBounds() {
        // L = 7, i = 1%/month, H = 36: the churn bounds go through 1 - (1 - c)^(30/7) and the capped sum
        LtvCacInterval i = interval(16_632, 45, 1500, 14, 48.6, 0.75, 7, 0.01, OptionalInt.of(36), 0.90);
        assertThat(i.ratio()).isCloseTo(1.602588, within(1e-6));
        assertThat(i.lower()).isCloseTo(1.184977, within(1e-5));
        assertThat(i.upper()).isCloseTo(2.097666, within(1e-5));
    }

    @Test
    void theRatioIsEconomicsOwn() {
        long active = 535;
        CustomerBase base = new CustomerBase(active, BigDecimal.valueOf(100L * active),
                new BigDecimal("0.8").multiply(BigDecimal.valueOf(active)));
        WindowCounts w = new WindowCounts(new BigDecimal("12000"), 400, 0, 0, 60, 25, 0);
        Economics e = Economics.of(w, base, 30, 0.0, OptionalInt.empty());
        assertThat(LtvCacInterval.of(w, base, 30, 0.0, OptionalInt.empty(), 0.9).ratio()).isEqualTo(e.ltvToCac());
    }

    @Test
    void anUndefinedRatioHasNoBounds() {
        // no new customers: CAC undefined
        LtvCacInterval none = interval(1000, 0, 500, 25, 100, 1, 30, 0, OptionalInt.empty(), 0.9);
        assertThat(none.ratio()).isNull();
        assertThat(none.lower()).isNull();
        assertThat(none.upper()).isNull();
        // no spend: CAC = 0, never "below 3:1"
        LtvCacInterval organic = interval(0, 20, 500, 25, 100, 1, 30, 0, OptionalInt.empty(), 0.9);
        assertThat(organic.ratio()).isNull();
        assertThat(organic.upper()).isNull();
        // no churn, no discount, no horizon: LTV undefined
        assertThat(interval(1000, 20, 500, 0, 100, 1, 30, 0, OptionalInt.empty(), 0.9).ratio()).isNull();
    }

    @Test
    void noChurnLeavesTheUpperBoundOpenUnlessLtvIsCapped() {
        // one churn: the churn rate's lower bound is near 0, LTV's upper bound (i = 0, H unbounded) is huge but finite
        LtvCacInterval one = interval(10_000, 50, 500, 1, 100, 1, 30, 0, OptionalInt.empty(), 0.9);
        assertThat(one.upper()).isGreaterThan(one.ratio() * 5);
        // no churn with a discount rate: the point is defined, LTV at a churn rate of 0 is the same: only the
        // new customers' noise remains above
        LtvCacInterval discounted = interval(10_000, 50, 500, 0, 100, 1, 30, 0.02, OptionalInt.empty(), 0.9);
        assertThat(discounted.ratio()).isCloseTo(100 * 1 / 0.02 * 50 / 10_000, within(1e-9));
        assertThat(discounted.upper()).isCloseTo(discounted.ratio() * LtvCacInterval.poissonUpper(50, 0.10) / 50,
                within(1e-9));
        // the upper bound unbounded: no horizon, no discount, and the churn rate's lower bound is 0 only when k = 0,
        // whose point ratio is undefined; so "null upper with a ratio" arises only from a churn bound of exactly 0
        assertThat(discounted.surelyBelow(1e9)).isTrue();
        LtvCacInterval open = new LtvCacInterval(2.0, 1.0, null, 0.9);
        assertThat(open.surelyBelow(3.0)).isFalse();
        assertThat(open.notBelow(1.0)).isTrue();
    }

    @Test
    void everyCustomerChurnedGivesZeroWithAnUpperBound() {
        LtvCacInterval i = interval(1000, 20, 10, 10, 100, 1, 30, 0, OptionalInt.empty(), 0.9);
        assertThat(i.ratio()).isEqualTo(0.0);
        assertThat(i.lower()).isEqualTo(0.0);
        assertThat(i.upper()).isPositive();
    }

    @Test
    void pointOnlyUsesTheRatioForBothBounds() {
        LtvCacInterval p = LtvCacInterval.pointOnly(2.5);
        assertThat(p.lower()).isEqualTo(2.5);
        assertThat(p.upper()).isEqualTo(2.5);
        assertThat(p.confidence()).isNull();
        assertThat(p.surelyBelow(3.0)).isTrue();
        assertThat(LtvCacInterval.pointOnly(null).surelyBelow(3.0)).isFalse();
    }

    @Test
    void aConfidenceOutsideHalfToOneIsRefused() {
        assertThatThrownBy(() -> interval(1000, 20, 500, 10, 100, 1, 30, 0, OptionalInt.empty(), 1.0))
                .isInstanceOf(IllegalArgumentException.class);
        // below one half a one-sided bound would lie on the wrong side of the estimate
        assertThatThrownBy(() -> interval(1000, 20, 500, 10, 100, 1, 30, 0, OptionalInt.empty(), 0.49))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Property(tries = 300)
    void theEstimateLiesInsideItsInterval(@ForAll @LongRange(min = 1, max = 5_000) long newCustomers,
                                          @ForAll @LongRange(min = 1, max = 20_000) long atStart,
                                          @ForAll @IntRange(min = 0, max = 1000) int churnPerMille,
                                          @ForAll @IntRange(min = 1, max = 120) int days,
                                          @ForAll @IntRange(min = 0, max = 5) int discountPercent,
                                          @ForAll @IntRange(min = 0, max = 60) int horizon) {
        long k = atStart * churnPerMille / 1000;
        LtvCacInterval i = interval(newCustomers * 150.0, newCustomers, atStart, k, 60, 0.8, days,
                discountPercent / 100.0, horizon == 0 ? OptionalInt.empty() : OptionalInt.of(horizon), 0.9);
        if (i.ratio() == null) {
            assertThat(i.lower()).isNull();
            assertThat(i.upper()).isNull();
            return;
        }
        assertThat(i.lower()).isNotNull().isLessThanOrEqualTo(i.ratio()).isGreaterThanOrEqualTo(0.0);
        if (i.upper() != null) assertThat(i.upper()).isGreaterThanOrEqualTo(i.ratio());
    }

    @Property(tries = 200)
    void theIntervalNarrowsAsTheCountsGrow(@ForAll @LongRange(min = 5, max = 500) long newCustomers,
                                           @ForAll @LongRange(min = 50, max = 5_000) long atStart,
                                           @ForAll @IntRange(min = 5, max = 300) int churnPerMille,
                                           @ForAll @IntRange(min = 2, max = 10) int factor,
                                           @ForAll @IntRange(min = 7, max = 90) int days) {
        long k = Math.max(1, atStart * churnPerMille / 1000);
        LtvCacInterval small = interval(newCustomers * 150.0, newCustomers, atStart, k, 60, 0.8, days, 0.01,
                OptionalInt.empty(), 0.9);
        LtvCacInterval large = interval(newCustomers * factor * 150.0, newCustomers * factor, atStart * factor,
                k * factor, 60, 0.8, days, 0.01, OptionalInt.empty(), 0.9);
        assertThat(large.ratio()).isCloseTo(small.ratio(), within(small.ratio() * 1e-9));
        assertThat(large.lower()).isGreaterThan(small.lower());
        assertThat(large.upper()).isLessThan(small.upper());
    }

    @Property(tries = 100)
    void aHigherConfidenceWidensTheInterval(@ForAll @LongRange(min = 1, max = 500) long newCustomers,
                                            @ForAll @IntRange(min = 1, max = 100) int churned) {
        LtvCacInterval at80 = interval(5000, newCustomers, 2000, churned, 60, 0.8, 30, 0, OptionalInt.empty(), 0.8);
        LtvCacInterval at95 = interval(5000, newCustomers, 2000, churned, 60, 0.8, 30, 0, OptionalInt.empty(), 0.95);
        assertThat(at95.lower()).isLessThan(at80.lower());
        assertThat(at95.upper()).isGreaterThan(at80.upper());
    }

    /**
     * Coverage, the point of the bounds: draw the counts of a channel whose true LTV:CAC is known many times; each
     * 90% bound must be on the right side of the truth about 90% of the time (the upper bound the alert fires on is
     * below the truth at most about 10% of the time), and the two miss about as often.
     */
    @Test
    void coversTheTrueRatioAtAboutTheStatedConfidence() {
        record Case(double expectedNew, long atStart, double churn7d) {
        }
        SplittableRandom random = new SplittableRandom(2024);
        for (Case c : new Case[]{new Case(45, 1500, 0.0095), new Case(200, 800, 0.04), new Case(15, 400, 0.02)}) {
            double spend = c.expectedNew() * 150;
            double trueRatio = ratioOf(c.churn7d(), spend, c.expectedNew());
            int runs = 2000;
            int below = 0;
            int above = 0;
            for (int r = 0; r < runs; r++) {
                long n = poisson(random, c.expectedNew());
                long k = binomial(random, c.atStart(), c.churn7d());
                LtvCacInterval i = interval(spend, n, c.atStart(), k, 60, 0.8, 7, 0.01, OptionalInt.empty(), 0.9);
                if (i.ratio() == null) continue; // no new customers: no claim made
                if (i.upper() != null && i.upper() < trueRatio) below++;
                if (i.lower() > trueRatio) above++;
            }
            double miss = (below + above) / (double) runs;
            assertThat(miss).as("misses of %s", c).isBetween(0.10, 0.24);
            assertThat(below / (double) runs).as("upper below the truth, %s", c).isBetween(0.04, 0.125);
            assertThat(above / (double) runs).as("lower above the truth, %s", c).isBetween(0.04, 0.125);
        }
    }

    private static double ratioOf(double churn, double spend, double newCustomers) {
        double monthly = Economics.monthlyChurn(churn, 7);
        return Ltv.of(60.0, 0.8, 1 - monthly, 0.01, OptionalInt.empty()) * newCustomers / spend;
    }

    private static long poisson(SplittableRandom r, double mean) {
        double l = Math.exp(-mean);
        long k = 0;
        double p = 1;
        do {
            k++;
            p *= r.nextDouble();
        } while (p > l);
        return k - 1;
    }

    private static long binomial(SplittableRandom r, long n, double p) {
        long k = 0;
        for (long i = 0; i < n; i++) if (r.nextDouble() < p) k++;
        return k;
    }
}
