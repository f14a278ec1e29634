package io.cacstreams.topology;

import io.cacstreams.config.AppConfig;
import io.cacstreams.events.DeadLetterReason;
import io.cacstreams.internal.CustomerEvent;
import io.cacstreams.internal.CustomerEventKind;
import io.cacstreams.internal.CustomerRecord;
import io.cacstreams.internal.FactKind;
import io.cacstreams.internal.Origin;
import io.cacstreams.internal.PendingChurns;
import io.cacstreams.serde.InternalAvroSerde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The customer table under at-least-once re-processing (the only guarantee under which a record is read again): the same input record read again (same coordinates) after
 * its effect reached the table is sent on again, never dropped and never dead-lettered; the same event re-sent by a
 * producer (other coordinates) is a duplicate.
 */
class CustomerReplayTest {
    private static final long DAY = 86_400_000L;
    private MockProcessorContext<String, Routed> ctx;
    private CustomerProcessor processor;

    @BeforeEach
    void setUp() {
        ctx = new MockProcessorContext<>();
        ctx.setCurrentSystemTimeMs(1_000_000L);
        add(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(StoreNames.CUSTOMERS), Serdes.String(),
                new InternalAvroSerde<>(CustomerRecord.class)).withLoggingDisabled().build());
        add(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(StoreNames.PENDING_CHURNS), Serdes.String(),
                new InternalAvroSerde<>(PendingChurns.class)).withLoggingDisabled().build());
        add(Stores.windowStoreBuilder(Stores.inMemoryWindowStore(StoreNames.CUSTOMER_DEDUP, Duration.ofDays(8),
                Duration.ofMillis(1), false), Serdes.String(), Serdes.String()).withLoggingDisabled().build());
        add(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(StoreNames.CUSTOMER_CLOCK), Serdes.String(),
                Serdes.Long()).withLoggingDisabled().build());
        processor = new CustomerProcessor(AppConfig.defaults().with(Map.of("processing.guarantee", "at_least_once")),
                TopologyObserver.NONE);
        processor.init(ctx);
    }

    private void add(StateStore store) {
        store.init(ctx.getStateStoreContext(), store);
        ctx.addStateStore(store);
    }

    private static CustomerEvent event(CustomerEventKind kind, String id, String customer, long at, long offset) {
        String topic = kind == CustomerEventKind.CONVERSION ? "conversions" : "churn";
        CustomerEvent.Builder b = CustomerEvent.newBuilder().setKind(kind).setEventId(id).setCustomerId(customer)
                .setOccurredAt(at)
                .setOrigin(Origin.newBuilder().setTopic(topic).setPartition(0).setOffset(offset).setTimestamp(at).build());
        if (kind == CustomerEventKind.CONVERSION) {
            b.setChannel("email").setMonthlyRevenue(new BigDecimal("10.0000")).setCurrency("USD")
                    .setMonthlyRevenueReporting(new BigDecimal("10.00000000000000"));
        }
        return b.build();
    }

    /** Processes {@code e} as read from offset {@code read} of the customer stage's input. */
    private List<Routed> process(CustomerEvent e, long read) {
        ctx.resetForwards();
        ctx.setRecordMetadata("conversions-by-customer-repartition", 0, read);
        processor.process(new Record<>(e.getCustomerId(), e, e.getOccurredAt()));
        return ctx.forwarded().stream().<Routed>map(f -> f.record().value()).toList();
    }

    private static List<FactKind> facts(List<Routed> out) {
        return out.stream().filter(r -> r instanceof Routed.Fact).map(r -> ((Routed.Fact) r).fact().getKind()).toList();
    }

    private static List<DeadLetterReason> dead(List<Routed> out) {
        return out.stream().filter(r -> r instanceof Routed.Dead).map(r -> ((Routed.Dead) r).letter().getReason())
                .toList();
    }

    @Test
    void aConversionReadAgainIsSentOnAgainAndAReSentOneIsADuplicate() {
        CustomerEvent c = event(CustomerEventKind.CONVERSION, "conv-1", "cust-1", 10 * DAY, 7);
        assertThat(facts(process(c, 100))).containsExactly(FactKind.ACQUIRED, FactKind.ACQUIRED); // channel and ALL
        List<Routed> again = process(c, 100);
        assertThat(facts(again)).as("replay: sent on again").containsExactly(FactKind.ACQUIRED, FactKind.ACQUIRED);
        assertThat(dead(again)).isEmpty();
        assertThat(process(c, 130)).as("a second copy of the same input record (upstream replay): a duplicate")
                .isEmpty();

        CustomerEvent resent = CustomerEvent.newBuilder(c).setOrigin(Origin.newBuilder(c.getOrigin()).setOffset(8).build()).build();
        assertThat(process(resent, 101)).as("same eventId from another input offset: a duplicate").isEmpty();

        CustomerEvent other = event(CustomerEventKind.CONVERSION, "conv-2", "cust-1", 11 * DAY, 9);
        assertThat(dead(process(other, 102))).containsExactly(DeadLetterReason.ALREADY_ACTIVE);
    }

    @Test
    void aChurnReadAgainIsSentOnAgainNotHeldOrDeadLettered() {
        process(event(CustomerEventKind.CONVERSION, "conv-1", "cust-1", 10 * DAY, 7), 100);
        CustomerEvent churn = event(CustomerEventKind.CHURN, "churn-1", "cust-1", 12 * DAY, 3);
        assertThat(facts(process(churn, 101))).containsExactly(FactKind.CHURNED, FactKind.CHURNED);
        List<Routed> again = process(churn, 101);
        assertThat(facts(again)).containsExactly(FactKind.CHURNED, FactKind.CHURNED);
        assertThat(dead(again)).isEmpty();
        // a second churn of the churned customer from elsewhere is held (and given up later), not re-counted
        assertThat(process(event(CustomerEventKind.CHURN, "churn-2", "cust-1", 13 * DAY, 4), 102)).isEmpty();
    }

    @Test
    void aHeldChurnReadAgainIsHeldOnce() {
        CustomerEvent churn = event(CustomerEventKind.CHURN, "churn-1", "cust-9", 12 * DAY, 3);
        assertThat(process(churn, 100)).isEmpty();
        assertThat(process(churn, 100)).isEmpty();
        List<Routed> out = process(event(CustomerEventKind.CONVERSION, "conv-9", "cust-9", 10 * DAY, 7), 101);
        assertThat(facts(out)).as("acquired, then the held churn applied once")
                .containsExactly(FactKind.ACQUIRED, FactKind.ACQUIRED, FactKind.CHURNED, FactKind.CHURNED);
        assertThat(dead(out)).isEmpty();
    }
}
