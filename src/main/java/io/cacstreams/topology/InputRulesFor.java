package io.cacstreams.topology;

import io.cacstreams.config.AppConfig;
import io.cacstreams.events.Churn;
import io.cacstreams.events.Conversion;
import io.cacstreams.events.DeadLetterReason;
import io.cacstreams.events.Lead;
import io.cacstreams.events.MarketingSpend;
import io.cacstreams.internal.ChannelFact;
import io.cacstreams.internal.CustomerEvent;
import io.cacstreams.internal.CustomerEventKind;
import io.cacstreams.internal.FactKind;
import io.cacstreams.internal.Origin;

import java.math.BigDecimal;
import java.util.List;

import static io.cacstreams.topology.InputRules.blank;
import static io.cacstreams.topology.InputRules.currencyCode;

/** The rules of each input topic (domain.md, "Events" and "What must never happen"). */
final class InputRulesFor {
    private InputRulesFor() {
    }

    private static InputRules.Rejection invalid(String detail) {
        return new InputRules.Rejection(DeadLetterReason.INVALID_FIELD, detail);
    }

    private static InputRules.Rejection channel(String channel) {
        if (blank(channel)) return invalid("channel is empty");
        if (AppConfig.ALL.equals(channel)) return invalid("channel 'ALL' is reserved for the blended view");
        return null;
    }

    /** The fact keyed by its channel (the input stage adds its bucket to the key). */
    static List<InputRules.Keyed> toChannel(ChannelFact fact) {
        return List.of(new InputRules.Keyed(fact.getChannel(), new Routed.Fact(fact)));
    }

    /** The input coordinates of a record without its bytes (for de-duplication downstream). */
    static Origin coordinatesOnly(Origin o) {
        return Origin.newBuilder().setTopic(o.getTopic()).setPartition(o.getPartition()).setOffset(o.getOffset())
                .setTimestamp(o.getTimestamp()).build();
    }

    static final class Spend implements InputRules<MarketingSpend> {
        @Override
        public String topicOf(AppConfig config) {
            return config.topics().spend();
        }

        @Override
        public Routed progress(String topic, int partition, Long clock, boolean idle) {
            return Markers.fact(topic, partition, clock, idle);
        }

        @Override
        public String eventId(MarketingSpend e) {
            return e.getEventId();
        }

        @Override
        public long occurredAt(MarketingSpend e) {
            return e.getOccurredAt().toEpochMilli();
        }

        @Override
        public Rejection validate(MarketingSpend e) {
            if (blank(e.getEventId())) return invalid("eventId is empty");
            Rejection c = channel(e.getChannel());
            if (c != null) return c;
            if (e.getAmount().signum() < 0) {
                return new Rejection(DeadLetterReason.NEGATIVE_AMOUNT, "amount " + e.getAmount() + " is negative");
            }
            if (!currencyCode(e.getCurrency())) return invalid("currency '" + e.getCurrency() + "' is not ISO 4217");
            return null;
        }

        @Override
        public Accepted accept(MarketingSpend e, Origin origin, FxRates fx) {
            long at = occurredAt(e);
            return fx.toReporting(e.getCurrency(), e.getAmount(), at)
                    .map(amount -> Accepted.of(toChannel(ChannelFact.newBuilder()
                            .setKind(FactKind.SPEND).setEventId(e.getEventId()).setChannel(e.getChannel())
                            .setOccurredAt(at).setAmount(amount).setOrigin(coordinatesOnly(origin)).build())))
                    .orElseGet(() -> unknownCurrency(e.getCurrency(), at));
        }
    }

    static final class Leads implements InputRules<Lead> {
        @Override
        public String topicOf(AppConfig config) {
            return config.topics().leads();
        }

        @Override
        public Routed progress(String topic, int partition, Long clock, boolean idle) {
            return Markers.fact(topic, partition, clock, idle);
        }

        @Override
        public String eventId(Lead e) {
            return e.getEventId();
        }

        @Override
        public long occurredAt(Lead e) {
            return e.getOccurredAt().toEpochMilli();
        }

        @Override
        public Rejection validate(Lead e) {
            if (blank(e.getEventId())) return invalid("eventId is empty");
            if (blank(e.getLeadId())) return invalid("leadId is empty");
            Rejection c = channel(e.getChannel());
            if (c != null) return c;
            Integer q = e.getQualityScore();
            if (q != null && (q < 0 || q > 100)) {
                return new Rejection(DeadLetterReason.QUALITY_OUT_OF_RANGE, "qualityScore " + q + " is outside 0..100");
            }
            return null;
        }

        @Override
        public Accepted accept(Lead e, Origin origin, FxRates fx) {
            return Accepted.of(toChannel(ChannelFact.newBuilder()
                    .setKind(FactKind.LEAD).setEventId(e.getEventId()).setChannel(e.getChannel())
                    .setOccurredAt(occurredAt(e)).setQualityScore(e.getQualityScore())
                    .setOrigin(coordinatesOnly(origin)).build()));
        }
    }

    static final class Conversions implements InputRules<Conversion> {
        @Override
        public String topicOf(AppConfig config) {
            return config.topics().conversions();
        }

        @Override
        public Routed progress(String topic, int partition, Long clock, boolean idle) {
            return Markers.customer(topic, partition, clock, idle);
        }

        @Override
        public String eventId(Conversion e) {
            return e.getEventId();
        }

        @Override
        public long occurredAt(Conversion e) {
            return e.getOccurredAt().toEpochMilli();
        }

        @Override
        public Rejection validate(Conversion e) {
            if (blank(e.getEventId())) return invalid("eventId is empty");
            if (blank(e.getCustomerId())) return invalid("customerId is empty");
            Rejection c = channel(e.getChannel());
            if (c != null) return c;
            if (e.getMonthlyRevenue().signum() < 0) {
                return new Rejection(DeadLetterReason.NEGATIVE_AMOUNT,
                        "monthlyRevenue " + e.getMonthlyRevenue() + " is negative");
            }
            if (!currencyCode(e.getCurrency())) return invalid("currency '" + e.getCurrency() + "' is not ISO 4217");
            Double m = e.getGrossMargin();
            if (m != null && !(m >= 0 && m <= 1)) return invalid("grossMargin " + m + " is outside 0..1");
            return null;
        }

        @Override
        public Accepted accept(Conversion e, Origin origin, FxRates fx) {
            long at = occurredAt(e);
            return fx.toReporting(e.getCurrency(), e.getMonthlyRevenue(), at)
                    .map(revenue -> Accepted.of(List.of(new Keyed(e.getCustomerId(), new Routed.Customer(
                            CustomerEvent.newBuilder()
                                    .setKind(CustomerEventKind.CONVERSION).setEventId(e.getEventId())
                                    .setCustomerId(e.getCustomerId()).setOccurredAt(at).setChannel(e.getChannel())
                                    .setMonthlyRevenue(e.getMonthlyRevenue()).setCurrency(e.getCurrency())
                                    .setMonthlyRevenueReporting(revenue).setGrossMargin(e.getGrossMargin())
                                    .setOrigin(origin).build())))))
                    .orElseGet(() -> unknownCurrency(e.getCurrency(), at));
        }
    }

    static final class Churns implements InputRules<Churn> {
        @Override
        public String topicOf(AppConfig config) {
            return config.topics().churn();
        }

        @Override
        public Routed progress(String topic, int partition, Long clock, boolean idle) {
            return Markers.customer(topic, partition, clock, idle);
        }

        @Override
        public String eventId(Churn e) {
            return e.getEventId();
        }

        @Override
        public long occurredAt(Churn e) {
            return e.getOccurredAt().toEpochMilli();
        }

        @Override
        public Rejection validate(Churn e) {
            if (blank(e.getEventId())) return invalid("eventId is empty");
            if (blank(e.getCustomerId())) return invalid("customerId is empty");
            return null;
        }

        @Override
        public Accepted accept(Churn e, Origin origin, FxRates fx) {
            return Accepted.of(List.of(new Keyed(e.getCustomerId(), new Routed.Customer(CustomerEvent.newBuilder()
                    .setKind(CustomerEventKind.CHURN).setEventId(e.getEventId()).setCustomerId(e.getCustomerId())
                    .setOccurredAt(occurredAt(e)).setOrigin(origin).build()))));
        }
    }

    private static InputRules.Accepted unknownCurrency(String currency, long at) {
        return InputRules.Accepted.rejected(DeadLetterReason.UNKNOWN_CURRENCY, "no rate for " + currency
                + " in force at " + java.time.Instant.ofEpochMilli(at) + " (fx-rates topic or cac.fx.static."
                + currency + ")");
    }

    static BigDecimal zero() {
        return BigDecimal.ZERO.setScale(FxRates.SCALE);
    }
}
