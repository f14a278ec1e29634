package io.cacstreams.metrics;

import java.math.BigDecimal;

/**
 * The windowed sums of one (channel, window): spend in the reporting currency, leads, lead quality, conversions,
 * churns and churns of customers acquired inside the window.
 */
public record WindowCounts(BigDecimal spend, long leads, long qualitySum, long qualityCount, long newCustomers,
                           long churned, long churnedNew) {
}
