package io.cacstreams.topology;

import io.cacstreams.config.AppConfig;
import org.apache.kafka.streams.state.VersionedKeyValueStore;
import org.apache.kafka.streams.state.VersionedRecord;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Optional;

/**
 * Converts amounts into the reporting currency at the rate in force at the event's time: the latest {@code fx-rates}
 * record with validFrom at or before that time (a versioned store, KIP-889), else the static rate from
 * configuration, else none (the event is dead-lettered as UNKNOWN_CURRENCY).
 */
final class FxRates {
    /** Scale of every reporting-currency amount kept in state: 4 (amount) + 10 (rate) decimals, so products are exact. */
    static final int SCALE = 14;

    private final VersionedKeyValueStore<String, String> store;
    private final AppConfig config;

    FxRates(VersionedKeyValueStore<String, String> store, AppConfig config) {
        this.store = store;
        this.config = config;
    }

    Optional<BigDecimal> rate(String currency, long at) {
        if (currency.equals(config.reportingCurrency())) return Optional.of(BigDecimal.ONE);
        VersionedRecord<String> r = store.get(currency, at);
        if (r != null) return Optional.of(new BigDecimal(r.value()));
        return config.staticRate(currency);
    }

    Optional<BigDecimal> toReporting(String currency, BigDecimal amount, long at) {
        return rate(currency, at).map(rate -> amount.multiply(rate).setScale(SCALE, RoundingMode.HALF_EVEN));
    }
}
