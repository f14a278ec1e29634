package io.cacstreams.topology;

import io.cacstreams.events.ChannelMetrics;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.cacstreams.topology.TopologyHarness.day;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** domain.md's worked examples, end to end through the topology, to 1e-9 relative. */
class WorkedExamplesTest {

    static void close(Double actual, double expected) {
        assertThat(actual).as("metric").isNotNull();
        assertThat(actual).isCloseTo(expected, within(Math.max(Math.abs(expected), 1e-12) * 1e-9));
    }

    @Test
    void example2OneChannelOverThirtyDays() {
        try (TopologyHarness h = new TopologyHarness(Map.of("cac.windows", "30d", "cac.margin.default", "0.8"))) {
            for (int i = 0; i < 500; i++) h.conversion("old-" + i, "search", 100, "USD", null, day(1));
            for (int i = 0; i < 400; i++) h.lead("search", null, day(41 + i * 0.05));
            for (int i = 0; i < 12; i++) h.spend("search", 1000, "USD", day(41 + i));
            for (int i = 0; i < 60; i++) h.conversion("new-" + i, "search", 100, "USD", null, day(42 + i * 0.3));
            for (int i = 0; i < 25; i++) h.churn("old-" + i, day(43 + i * 0.5));
            h.flush();
            ChannelMetrics m = h.latest("search", 30);
            assertThat(m.getActiveCustomers()).isEqualTo(535);
            assertThat(m.getCustomersAtStart()).isEqualTo(500);
            assertThat(m.getNewCustomers()).isEqualTo(60);
            assertThat(m.getChurned()).isEqualTo(25);
            assertThat(m.getChurnedNew()).isZero();
            close(m.getSpend(), 12_000);
            close(m.getChurnRate(), 0.05);
            close(m.getMonthlyChurnRate(), 0.05);
            close(m.getRetentionRate(), 0.95);
            close(m.getArpu(), 100);
            close(m.getGrossMargin(), 0.8);
            close(m.getCpl(), 30);
            close(m.getLeadToCustomerRate(), 0.15);
            close(m.getCac(), 200);
            close(m.getLtv(), 1520);
            close(m.getLtvToCac(), 7.6);
            close(m.getCacPaybackMonths(), 2.5);
            // the blended view of a single channel is that channel
            assertThat(h.latest("ALL", 30).getLtvToCac()).isEqualTo(m.getLtvToCac());
        }
    }

    @Test
    void example1LtvWithDiscountAndHorizon() {
        for (var c : new Object[][]{{"0", 459_459.46}, {"60", 459_456.06}, {"12", 416_209.06}}) {
            try (TopologyHarness h = new TopologyHarness(Map.of("cac.windows", "30d",
                    "cac.ltv.monthly.discount.rate", "0.035", "cac.ltv.horizon.months", (String) c[0]))) {
                for (int i = 0; i < 100; i++) h.conversion("c" + i, "enterprise", 100_000, "USD", 1.0, day(1));
                for (int i = 0; i < 15; i++) h.churn("c" + i, day(50));
                h.spend("enterprise", 10, "USD", day(50));
                h.flush();
                ChannelMetrics m = h.latest("enterprise", 30);
                close(m.getRetentionRate(), 0.85);
                close(m.getArpu(), 100_000);
                assertThat(m.getLtv()).isCloseTo((double) c[1], within(0.005));
            }
        }
    }

    @Test
    void example3SevenDayChurnNormalisedToAMonth() {
        try (TopologyHarness h = new TopologyHarness(Map.of("cac.windows", "7d"))) {
            for (int i = 0; i < 100; i++) h.conversion("c" + i, "email", 20, "USD", null, day(1));
            h.churn("c0", day(20));
            h.flush();
            ChannelMetrics m = h.latest("email", 7);
            close(m.getChurnRate(), 0.01);
            close(m.getMonthlyChurnRate(), 1 - Math.pow(0.99, 30.0 / 7));
            assertThat(m.getMonthlyChurnRate()).isCloseTo(0.04216, within(0.000005));
        }
    }

    @Test
    void example4ChurnFromTheStartExcludesCustomersWhoJoinedInsideTheWindow() {
        try (TopologyHarness h = new TopologyHarness(Map.of("cac.windows", "30d"))) {
            for (int i = 0; i < 100; i++) h.conversion("old" + i, "social", 50, "USD", null, day(1));
            for (int i = 0; i < 4; i++) h.conversion("new" + i, "social", 50, "USD", null, day(40 + i));
            for (int i = 0; i < 6; i++) h.churn("old" + i, day(45 + i));
            for (int i = 0; i < 4; i++) h.churn("new" + i, day(52 + i));
            h.flush();
            ChannelMetrics m = h.latest("social", 30);
            assertThat(m.getCustomersAtStart()).isEqualTo(100);
            assertThat(m.getChurned()).isEqualTo(10);
            assertThat(m.getChurnedNew()).isEqualTo(4);
            close(m.getChurnRate(), 0.06);
        }
    }
}
