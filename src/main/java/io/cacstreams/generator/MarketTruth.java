package io.cacstreams.generator;

import io.cacstreams.config.AppConfig;
import io.cacstreams.metrics.Ltv;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * The true expected LTV:CAC of the {@link SyntheticMarket}'s channels, from their profiles and domain.md's formulas
 * with expected values in place of the random draws: expected spend per hour (daily spend × intraday × weekly
 * seasonality, in USD at the start rates, which are also the expected rates), expected conversions per hour (leads ×
 * conversion rate × the drift, same seasonality), ARPU = the profile's monthly revenue (the revenue draw is
 * log-normal with mean 1), margin = the profile's or the configured one, monthly churn = the profile's.
 * <p>
 * Two views: {@link #ltvToCac} at one instant (what the channel is worth acquiring now) and {@link #windowLtvToCac}
 * over the L days a window covers (what a window's figures estimate: the ratio of the expected sums, so a drift shows
 * in the window gradually). {@code ALL} blends the channels as the application does: its CAC from all spend and
 * conversions, its ARPU, margin and churn from the expected customer base of every channel.
 */
public final class MarketTruth {
    private static final long HOUR = 3_600_000L;

    private final long start;
    private final List<ChannelProfile> channels;
    private final Map<String, Double> rates;

    MarketTruth(long start, List<ChannelProfile> channels, Map<String, Double> rates) {
        this.start = start;
        this.channels = List.copyOf(channels);
        this.rates = Map.copyOf(rates);
    }

    /** LTV:CAC at simulated day {@code day} (0 = the market's start); empty where undefined (no spend). */
    public OptionalDouble ltvToCac(String channel, double day, AppConfig config) {
        int hour = (int) Math.floor(day * 24);
        return window(channel, hour, hour + 1, config, true);
    }

    /**
     * The expected LTV:CAC of the window of {@code windowDays} days ending at {@code day}: the simulated hours
     * {@code [day - L, day)}, those before the start left out (the market has no spend before it).
     */
    public OptionalDouble windowLtvToCac(String channel, double day, int windowDays, AppConfig config) {
        int end = (int) Math.floor(day * 24);
        return window(channel, Math.max(0, end - windowDays * 24), end, config, false);
    }

    /**
     * {@link #windowLtvToCac} for every window of {@code windowDays} days ending on an hour boundary from
     * {@code fromHour} to {@code toHour} (inclusive), in one pass over the hours: element {@code e - fromHour} is the
     * window of the simulated hours {@code [e - L, e)} ({@code NaN} where undefined).
     */
    public double[] windowSeries(String channel, int windowDays, int fromHour, int toHour, AppConfig config) {
        if (fromHour < 0 || toHour < fromHour) throw new IllegalArgumentException("hours " + fromHour + ".." + toHour);
        double[] out = new double[toHour - fromHour + 1];
        Arrays.fill(out, Double.NaN);
        Hours hours = hours(channel, toHour);
        if (hours == null) return out;
        for (int e = fromHour; e <= toHour; e++) {
            out[e - fromHour] = hours.ratio(Math.max(0, e - windowDays * 24), e, config, false).orElse(Double.NaN);
        }
        return out;
    }

    /**
     * @param instant the monthly churn as it is at {@code to}; else the churn from the window's start, normalised to
     *                a month as domain.md does (over the hours the window really has)
     */
    private OptionalDouble window(String channel, int from, int to, AppConfig config, boolean instant) {
        if (to <= from || from < 0) return OptionalDouble.empty();
        Hours hours = hours(channel, to);
        return hours == null ? OptionalDouble.empty() : hours.ratio(from, to, config, instant);
    }

    /** The expected sums of {@code channel}'s members hour by hour, up to {@code to}; null for an unknown channel. */
    private Hours hours(String channel, int to) {
        List<ChannelProfile> members = channel.equals(AppConfig.ALL) ? channels
                : channels.stream().filter(c -> c.name().equals(channel)).toList();
        if (members.isEmpty()) return null;
        int n = members.size();
        double[][] active = new double[n][to + 1];
        double[] spend = new double[to + 1];
        double[] conversions = new double[to + 1];
        for (int i = 0; i < n; i++) active[i][0] = members.get(i).initialCustomers();
        for (int h = 0; h < to; h++) {
            long t0 = start + h * HOUR;
            double season = SyntheticMarket.intraday(t0) * SyntheticMarket.weekly(t0);
            double spent = 0;
            double converted = 0;
            for (int i = 0; i < n; i++) {
                ChannelProfile c = members.get(i);
                double joined = c.leadsPerDay() / 24 * season * c.conversionRate()
                        * (c.drift() ? SyntheticMarket.drift(h / 24.0) : 1.0);
                spent += c.dailySpend() / 24 * season * rate(c);
                converted += joined;
                // as in the market: the hour's conversions join the base before its churn is drawn
                active[i][h + 1] = (active[i][h] + joined) * (1 - hourlyHazard(c));
            }
            spend[h + 1] = spend[h] + spent;
            conversions[h + 1] = conversions[h] + converted;
        }
        return new Hours(members, active, spend, conversions);
    }

    /**
     * Expected sums per hour boundary: {@code active[i][h]}, member i's customers at the start of hour h, and the
     * cumulative spend (USD) and conversions of the hours before h.
     */
    private final class Hours {
        private final List<ChannelProfile> members;
        private final double[][] active;
        private final double[] spend;
        private final double[] conversions;

        Hours(List<ChannelProfile> members, double[][] active, double[] spend, double[] conversions) {
            this.members = members;
            this.active = active;
            this.spend = spend;
            this.conversions = conversions;
        }

        /** LTV:CAC of the hours {@code [from, to)}. */
        OptionalDouble ratio(int from, int to, AppConfig config, boolean instant) {
            double spent = spend[to] - spend[from];
            double converted = conversions[to] - conversions[from];
            if (to <= from || spent <= 0 || converted <= 0) return OptionalDouble.empty();
            double base = 0;
            double revenue = 0;
            double margins = 0;
            double atStart = 0;
            double churnedFromStart = 0;
            double monthlyChurnWeighted = 0;
            for (int i = 0; i < members.size(); i++) {
                ChannelProfile c = members.get(i);
                double margin = c.grossMargin() != null ? c.grossMargin() : config.marginFor(c.name());
                double now = active[i][to];
                base += now;
                revenue += now * c.monthlyRevenue() * rate(c);
                margins += now * margin;
                monthlyChurnWeighted += now * c.monthlyChurn();
                atStart += active[i][from];
                churnedFromStart += active[i][from] * (1 - Math.pow(1 - hourlyHazard(c), to - from));
            }
            double monthlyChurn = instant ? monthlyChurnWeighted / base
                    : 1 - Math.pow(1 - churnedFromStart / atStart, 30.0 * 24 / (to - from));
            Double ltv = Ltv.of(revenue / base, margins / base, 1 - monthlyChurn, config.monthlyDiscountRate(),
                    config.horizonMonths());
            if (ltv == null) return OptionalDouble.empty();
            return OptionalDouble.of(ltv / (spent / converted));
        }
    }

    private double rate(ChannelProfile c) {
        return c.currency().equals("USD") ? 1.0 : rates.get(c.currency());
    }

    /** The market's churn hazard per hour: a monthly churn of m over 30 days of 24 hours. */
    private static double hourlyHazard(ChannelProfile c) {
        return 1 - Math.pow(1 - c.monthlyChurn(), 1.0 / (30 * 24));
    }
}
