package io.cacstreams.metrics;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The worked examples of domain.md, to 1e-9 relative, and the null rules. */
class EconomicsTest {

    private static void close(Double actual, double expected) {
        assertThat(actual).isNotNull();
        assertThat(actual).isCloseTo(expected, within(Math.abs(expected) * 1e-9));
    }

    @Test
    void example1LtvUnboundedAndCapped() {
        close(Ltv.of(100000.0, 1.0, 0.85, 0.035, OptionalInt.empty()), 100000 * 0.85 / (1 + 0.035 - 0.85));
        assertThat(Ltv.of(100000.0, 1.0, 0.85, 0.035, OptionalInt.empty())).isCloseTo(459_459.46, within(0.005));
        assertThat(Ltv.of(100000.0, 1.0, 0.85, 0.035, OptionalInt.of(60))).isCloseTo(459_456.06, within(0.005));
        assertThat(Ltv.of(100000.0, 1.0, 0.85, 0.035, OptionalInt.of(12))).isCloseTo(416_209.06, within(0.005));
    }

    @Test
    void ltvIsNullWhereQIsOneAndUnbounded() {
        assertThat(Ltv.of(100.0, 1.0, 1.0, 0.0, OptionalInt.empty())).isNull();
        close(Ltv.of(100.0, 1.0, 1.0, 0.0, OptionalInt.of(12)), 1200);
        assertThat(Ltv.of(null, 1.0, 0.9, 0.0, OptionalInt.empty())).isNull();
    }

    @Test
    void example2OneChannelThirtyDays() {
        // 500 at start paying 100; +60 new at 100; -25 churned earlier customers; m = 0.8
        long active = 535;
        CustomerBase base = new CustomerBase(active, BigDecimal.valueOf(100L * active),
                new BigDecimal("0.8").multiply(BigDecimal.valueOf(active)));
        WindowCounts w = new WindowCounts(new BigDecimal("12000"), 400, 0, 0, 60, 25, 0);
        Economics e = Economics.of(w, base, 30, 0.0, OptionalInt.empty());
        assertThat(e.customersAtStart()).isEqualTo(500);
        close(e.churnRate(), 0.05);
        close(e.monthlyChurnRate(), 0.05);
        close(e.retentionRate(), 0.95);
        close(e.arpu(), 100);
        close(e.grossMargin(), 0.8);
        close(e.cpl(), 30);
        close(e.leadToCustomerRate(), 0.15);
        close(e.cac(), 200);
        close(e.ltv(), 1520);
        close(e.ltvToCac(), 7.6);
        close(e.cacPaybackMonths(), 2.5);
        assertThat(e.avgLeadQuality()).isNull();
    }

    @Test
    void example3NormalisationToAMonth() {
        close(Economics.monthlyChurn(0.01, 7), 1 - Math.pow(0.99, 30.0 / 7));
        assertThat(Economics.monthlyChurn(0.01, 7)).isCloseTo(0.04216, within(0.000005));
        assertThat(Economics.monthlyChurn(0.07, 30)).isEqualTo(0.07);
    }

    @Test
    void example4ChurnFromTheStart() {
        // atStart = 100: active = 100 - 10 churned + 4 new (who also churned, so not active) ... build it from counts:
        // new customers in window: 4 (all churned since), churned 10 of which churnedNew 4.
        long newCustomers = 4;
        long active = 100 - 6; // 6 starting customers churned; the 4 new ones churned too
        CustomerBase base = new CustomerBase(active, BigDecimal.valueOf(active * 50L), BigDecimal.valueOf(active));
        WindowCounts w = new WindowCounts(BigDecimal.ZERO, 0, 0, 0, newCustomers, 10, 4);
        Economics e = Economics.of(w, base, 30, 0.0, OptionalInt.empty());
        assertThat(e.customersAtStart()).isEqualTo(100);
        close(e.churnRate(), 0.06);
    }

    @Test
    void nullsWhereDenominatorsAreZero() {
        CustomerBase none = new CustomerBase(0, BigDecimal.ZERO, BigDecimal.ZERO);
        WindowCounts w = new WindowCounts(new BigDecimal("10"), 0, 0, 0, 0, 0, 0);
        Economics e = Economics.of(w, none, 7, 0.0, OptionalInt.empty());
        assertThat(e.cpl()).isNull();
        assertThat(e.cac()).isNull();
        assertThat(e.arpu()).isNull();
        assertThat(e.grossMargin()).isNull();
        assertThat(e.churnRate()).isNull();
        assertThat(e.ltv()).isNull();
        assertThat(e.ltvToCac()).isNull();
        assertThat(e.cacPaybackMonths()).isNull();
        assertThat(e.leadToCustomerRate()).isNull();
    }

    @Test
    void organicChannelWithNoSpendHasNoRatio() {
        CustomerBase base = new CustomerBase(20, BigDecimal.valueOf(2000), BigDecimal.valueOf(20));
        WindowCounts w = new WindowCounts(BigDecimal.ZERO, 40, 3000, 40, 20, 2, 0);
        Economics e = Economics.of(w, base, 30, 0.0, OptionalInt.empty());
        assertThat(e.cac()).isEqualTo(0.0);
        assertThat(e.ltvToCac()).isNull();
        assertThat(e.cacPaybackMonths()).isEqualTo(0.0);
        close(e.avgLeadQuality(), 75);
    }
}
