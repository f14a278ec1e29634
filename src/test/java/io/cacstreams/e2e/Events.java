package io.cacstreams.e2e;

import io.cacstreams.events.Churn;
import io.cacstreams.events.Conversion;
import io.cacstreams.events.FxRate;
import io.cacstreams.events.Lead;
import io.cacstreams.events.MarketingSpend;
import io.cacstreams.events.SpendCategory;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Input events for the integration tests, with event times in days after {@link #T0}. */
final class Events {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final AtomicLong IDS = new AtomicLong();

    private Events() {
    }

    static Instant day(double days) {
        return T0.plusMillis(Math.round(days * 86_400_000L));
    }

    static String id() {
        return "it-" + IDS.incrementAndGet();
    }

    static BigDecimal money(String amount) {
        return new BigDecimal(amount).setScale(4, RoundingMode.UNNECESSARY);
    }

    static MarketingSpend spend(String eventId, String channel, String amount, String currency, Instant at) {
        return MarketingSpend.newBuilder().setEventId(eventId).setChannel(channel).setAmount(money(amount))
                .setCurrency(currency).setCategory(SpendCategory.MEDIA).setOccurredAt(at).build();
    }

    static Lead lead(String channel, Integer quality, Instant at) {
        return Lead.newBuilder().setEventId(id()).setLeadId(id()).setChannel(channel).setQualityScore(quality)
                .setOccurredAt(at).build();
    }

    static Conversion conversion(String customerId, String channel, String monthlyRevenue, String currency,
                                 Double margin, Instant at) {
        return Conversion.newBuilder().setEventId(id()).setCustomerId(customerId).setChannel(channel)
                .setMonthlyRevenue(money(monthlyRevenue)).setCurrency(currency).setGrossMargin(margin)
                .setOccurredAt(at).build();
    }

    static Churn churn(String customerId, Instant at) {
        return Churn.newBuilder().setEventId(id()).setCustomerId(customerId).setOccurredAt(at).build();
    }

    static FxRate fx(String currency, String rate, Instant validFrom) {
        return FxRate.newBuilder().setCurrency(currency)
                .setRateToReporting(new BigDecimal(rate).setScale(10, RoundingMode.UNNECESSARY))
                .setValidFrom(validFrom).build();
    }

    /** Within 1e-9 relative, as the TopologyTestDriver tests assert. */
    static void close(Double actual, double expected) {
        assertThat(actual).as("metric").isNotNull();
        assertThat(actual).isCloseTo(expected, within(Math.max(Math.abs(expected), 1e-12) * 1e-9));
    }

    static boolean near(Double actual, double expected) {
        return actual != null && Math.abs(actual - expected) <= Math.max(Math.abs(expected), 1e-12) * 1e-9;
    }
}
