package io.cacstreams.generator;

/**
 * The economics the synthetic market gives one channel.
 *
 * @param dailySpend       average spend per day, in {@code currency} (0 for organic channels)
 * @param leadsPerDay      average leads per day
 * @param conversionRate   share of leads that become customers
 * @param monthlyRevenue   average monthly revenue of a customer, in {@code currency}
 * @param grossMargin      margin sent with conversions, or null to leave it to configuration
 * @param monthlyChurn     probability that a customer churns within a month
 * @param initialCustomers customers acquired before the simulation starts (so windows have a base at once)
 * @param drift            whether this channel's conversion rate sags and recovers (so an alert fires and resolves)
 */
public record ChannelProfile(String name, String currency, double dailySpend, double leadsPerDay,
                             double conversionRate, double monthlyRevenue, Double grossMargin, double monthlyChurn,
                             int initialCustomers, boolean drift) {

    /** The same economics at a smaller volume: spend, leads and the initial base multiplied by {@code factor}. */
    public ChannelProfile scaled(double factor) {
        return new ChannelProfile(name, currency, dailySpend * factor, leadsPerDay * factor, conversionRate,
                monthlyRevenue, grossMargin, monthlyChurn, (int) Math.round(initialCustomers * factor), drift);
    }

    /** Six channels with different economics: the default market of {@code demo} and {@code generate}. */
    public static java.util.List<ChannelProfile> defaults() {
        return java.util.List.of(
                new ChannelProfile("paid_search", "USD", 3000, 120, 0.10, 60, 0.80, 0.03, 1500, false),
                new ChannelProfile("paid_social", "EUR", 2200, 160, 0.09, 45, 0.75, 0.04, 1200, true),
                new ChannelProfile("organic", "USD", 0, 90, 0.06, 40, null, 0.035, 900, false),
                new ChannelProfile("email", "USD", 250, 60, 0.12, 35, 0.85, 0.03, 800, false),
                new ChannelProfile("referral", "GBP", 400, 25, 0.20, 70, 0.80, 0.02, 500, false),
                new ChannelProfile("affiliate", "USD", 900, 70, 0.08, 50, null, 0.05, 700, false));
    }
}
