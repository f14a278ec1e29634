package io.cacstreams.generator;

import io.cacstreams.config.AppConfig;
import io.cacstreams.config.TopicNames;
import io.cacstreams.events.Conversion;
import io.cacstreams.events.MarketingSpend;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The market's true LTV:CAC: by hand from the profiles, and against what the market really generates. */
class MarketTruthTest {
    private static final Instant START = Instant.parse("2026-01-05T00:00:00Z"); // a Monday
    private static final AppConfig CONFIG = AppConfig.defaults();

    private static SyntheticMarket market(List<ChannelProfile> channels) {
        return new SyntheticMarket(11, START, TopicNames.defaults(), channels, new SyntheticMarket.Options(0, 0));
    }

    private static double value(OptionalDouble d) {
        assertThat(d).isPresent();
        return d.getAsDouble();
    }

    @Test
    void byHandFromTheProfiles() {
        MarketTruth truth = market(ChannelProfile.defaults()).truth();
        // paid_search: CAC = 3000 / (120 * 0.10) = 250; LTV = 60 * 0.8 * 0.97 / 0.03 = 1552
        assertThat(value(truth.ltvToCac("paid_search", 3, CONFIG))).isCloseTo(1552.0 / 250, within(1e-9));
        // paid_social at the bottom of its drift (x 0.25), EUR at 1.08:
        // CAC = 2200 * 1.08 / (160 * 0.09 * 0.25) = 660; LTV = 45 * 1.08 * 0.75 * 0.96 / 0.04 = 874.8
        double bottom = 874.8 / (2200 * 1.08 / (160 * 0.09 * 0.25));
        assertThat(value(truth.ltvToCac("paid_social", 25, CONFIG))).isCloseTo(bottom, within(1e-9));
        assertThat(value(truth.ltvToCac("paid_social", 5, CONFIG))).isCloseTo(bottom / 0.25, within(1e-9));
        // affiliate sends no margin: the configured one applies
        AppConfig half = CONFIG.with(Map.of("cac.margin.channel.affiliate", "0.5"));
        assertThat(value(truth.ltvToCac("affiliate", 3, half)))
                .isCloseTo(value(truth.ltvToCac("affiliate", 3, CONFIG)) / 2, within(1e-9));
        // no spend: CAC = 0, no ratio
        assertThat(truth.ltvToCac("organic", 3, CONFIG)).isEmpty();
        assertThat(truth.ltvToCac("nobody", 3, CONFIG)).isEmpty();
    }

    @Test
    void aWindowAveragesTheDrift() {
        MarketTruth truth = market(ChannelProfile.defaults()).truth();
        // no drift: every window says what the instant says (seasonality moves spend and conversions alike)
        assertThat(value(truth.windowLtvToCac("paid_search", 40, 7, CONFIG)))
                .isCloseTo(value(truth.ltvToCac("paid_search", 40, CONFIG)), within(1e-9));
        // a window wholly inside the bottom of the drift (days 21 to 28) equals the bottom
        assertThat(value(truth.windowLtvToCac("paid_social", 28, 7, CONFIG)))
                .isCloseTo(value(truth.ltvToCac("paid_social", 25, CONFIG)), within(1e-9));
        // while it sags, the window lags behind the instant
        double instant = value(truth.ltvToCac("paid_social", 19, CONFIG));
        double window = value(truth.windowLtvToCac("paid_social", 19, 7, CONFIG));
        assertThat(window).isGreaterThan(instant).isLessThan(value(truth.ltvToCac("paid_social", 5, CONFIG)));
        // a 30-day window smooths the 15-day bottom (1.33) away
        double lowest30 = Double.MAX_VALUE;
        for (int day = 30; day <= 60; day++) {
            lowest30 = Math.min(lowest30, value(truth.windowLtvToCac("paid_social", day, 30, CONFIG)));
        }
        assertThat(lowest30).isGreaterThan(value(truth.ltvToCac("paid_social", 25, CONFIG)) + 0.5);
    }

    @Test
    void allOfOneChannelIsThatChannel() {
        ChannelProfile search = ChannelProfile.defaults().get(0);
        MarketTruth truth = market(List.of(search)).truth();
        assertThat(value(truth.windowLtvToCac("ALL", 20, 7, CONFIG)))
                .isCloseTo(value(truth.windowLtvToCac(search.name(), 20, 7, CONFIG)), within(1e-9));
        MarketTruth all = market(ChannelProfile.defaults()).truth();
        double blended = value(all.windowLtvToCac("ALL", 20, 30, CONFIG));
        assertThat(blended).isGreaterThan(value(all.windowLtvToCac("paid_social", 20, 30, CONFIG)))
                .isLessThan(value(all.windowLtvToCac("referral", 20, 30, CONFIG)));
    }

    @Test
    void theSeriesIsTheWindowHourByHour() {
        MarketTruth truth = market(ChannelProfile.defaults()).truth();
        for (String channel : List.of("paid_social", "ALL")) {
            double[] series = truth.windowSeries(channel, 7, 100, 60 * 24, CONFIG);
            assertThat(series).hasSize(60 * 24 - 100 + 1);
            for (int hour : new int[]{100, 101, 17 * 24 + 5, 30 * 24, 60 * 24}) {
                assertThat(series[hour - 100]).as(channel + " at hour " + hour)
                        .isCloseTo(value(truth.windowLtvToCac(channel, hour / 24.0, 7, CONFIG)), within(1e-9));
            }
        }
        assertThat(truth.windowSeries("organic", 7, 0, 48, CONFIG)).containsOnly(Double.NaN);
        assertThat(truth.windowSeries("nobody", 7, 0, 48, CONFIG)).containsOnly(Double.NaN);
    }

    /** What the market generates agrees with its truth: realised CAC over 30 days within sampling error. */
    @Test
    void theGeneratedEventsAgreeWithTheTruth() {
        SyntheticMarket m = market(ChannelProfile.defaults());
        MarketTruth truth = m.truth();
        m.history();
        Map<String, double[]> sums = Map.of("paid_search", new double[2], "paid_social", new double[2]);
        for (int hour = 0; hour < 45 * 24; hour++) {
            for (GeneratedEvent e : m.nextHour()) {
                if (hour < 15 * 24) continue; // the window: days 15 to 45, across the drift's bottom and recovery
                if (e.value() instanceof MarketingSpend s && sums.containsKey(s.getChannel())) {
                    double rate = s.getCurrency().equals("USD") ? 1 : SyntheticMarket.INITIAL_RATES.get(s.getCurrency());
                    sums.get(s.getChannel())[0] += s.getAmount().doubleValue() * rate;
                } else if (e.value() instanceof Conversion c && sums.containsKey(c.getChannel())) {
                    sums.get(c.getChannel())[1]++;
                }
            }
        }
        // LTV is the profile's (checked by hand above): the realised CAC decides
        double searchLtv = 1552;
        double socialLtv = 874.8;
        double[] search = sums.get("paid_search");
        double[] social = sums.get("paid_social");
        assertThat(searchLtv / (search[0] / search[1]))
                .isCloseTo(value(truth.windowLtvToCac("paid_search", 45, 30, CONFIG)), within(0.08 * 6.208));
        double socialTruth = value(truth.windowLtvToCac("paid_social", 45, 30, CONFIG));
        assertThat(socialLtv / (social[0] / social[1])).isCloseTo(socialTruth, within(0.12 * socialTruth));
    }
}
