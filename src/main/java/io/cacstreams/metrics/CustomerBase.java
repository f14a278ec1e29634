package io.cacstreams.metrics;

import java.math.BigDecimal;

/** The non-windowed customer base of a channel as of now: active customers, their monthly revenue and margins. */
public record CustomerBase(long active, BigDecimal revenue, BigDecimal marginSum) {
}
