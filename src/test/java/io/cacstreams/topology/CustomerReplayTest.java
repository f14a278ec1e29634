package io.cacstreams.topology;

import io.cacstreams.config.AppConfig;
import io.cacstreams.events.DeadLetterReason;
import io.cacstreams.internal.CustomerEvent;
import io.cacstreams.internal.CustomerEventKind;
import io.cacstreams.internal.Origin;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.StoreBuilder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.ArrayList;
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
    private Processor<String, CustomerEvent, String, Routed> processor;

    @BeforeEach
    void setUp() {
        ctx = new MockProcessorContext<>();
        ctx.setCurrentSystemTimeMs(1_000_000L);
        ctx.setCurrentStreamTimeMs(0L);
        AppConfig config = AppConfig.defaults().with(Map.of("processing.guarantee", "at_least_once",
                "cac.state.in.memory", "true"));
        var supplier = CustomerProcessor.supplier(config, TopologyObserver.NONE);
        for (StoreBuilder<?> b : supplier.stores()) add(b.withLoggingDisabled().withCachingDisabled().build());
        processor = supplier.get();
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

    /** Processes {@code e} as read from offset {@code read} of the customer stage's input, then flushes. */
    private List<Routed> process(CustomerEvent e, long read) {
        ctx.resetForwards();
        ctx.setRecordMetadata("conversions-by-customer-repartition", 0, read);
        processor.process(new Record<>(e.getCustomerId(), e, e.getOccurredAt()));
        ctx.scheduledPunctuators().get(0).getPunctuator().punctuate(ctx.currentSystemTimeMs());
        return ctx.forwarded().stream().<Routed>map(f -> f.record().value()).toList();
    }

    /** What the channel (not ALL) was told: ACQUIRED per new customer, CHURNED per churn. */
    private static List<String> facts(List<Routed> out) {
        List<String> facts = new ArrayList<>();
        for (Routed r : out) {
            if (!(r instanceof Routed.Partial p) || p.partial().getChannel().equals(AppConfig.ALL)) continue;
            for (long i = 0; i < p.partial().getCounts().getNewCustomers(); i++) facts.add("ACQUIRED");
            for (long i = 0; i < p.partial().getCounts().getChurned(); i++) facts.add("CHURNED");
        }
        return facts;
    }

    private static List<DeadLetterReason> dead(List<Routed> out) {
        return out.stream().filter(r -> r instanceof Routed.Dead).map(r -> ((Routed.Dead) r).letter().getReason())
                .toList();
    }

    @Test
    void aConversionReadAgainIsSentOnAgainAndAReSentOneIsADuplicate() {
        CustomerEvent c = event(CustomerEventKind.CONVERSION, "conv-1", "cust-1", 10 * DAY, 7);
        assertThat(facts(process(c, 100))).containsExactly("ACQUIRED"); // channel and ALL
        List<Routed> again = process(c, 100);
        assertThat(facts(again)).as("replay: sent on again").containsExactly("ACQUIRED");
        assertThat(dead(again)).isEmpty();
        assertThat(process(c, 130)).as("a second copy of the same input record (upstream replay): a duplicate")
                .isEmpty();

        CustomerEvent resent = CustomerEvent.newBuilder(c).setOrigin(Origin.newBuilder(c.getOrigin()).setOffset(8).build()).build();
        assertThat(process(resent, 101)).as("same eventId from another input offset: a duplicate").isEmpty();

        CustomerEvent other = event(CustomerEventKind.CONVERSION, "conv-2", "cust-1", 11 * DAY, 9);
        assertThat(dead(process(other, 102))).containsExactly(DeadLetterReason.ALREADY_ACTIVE);

        CustomerEvent later = event(CustomerEventKind.CONVERSION, "conv-1", "cust-1", 10 * DAY, 7);
        process(event(CustomerEventKind.CHURN, "churn-1", "cust-1", 40 * DAY, 5), 103);
        assertThat(process(CustomerEvent.newBuilder(later).setOrigin(Origin.newBuilder(later.getOrigin())
                .setOffset(70).build()).build(), 104))
                .as("re-sent weeks later, after the customer churned: still a duplicate, not a reactivation")
                .isEmpty();


    }

    @Test
    void aChurnReadAgainIsSentOnAgainNotHeldOrDeadLettered() {
        process(event(CustomerEventKind.CONVERSION, "conv-1", "cust-1", 10 * DAY, 7), 100);
        CustomerEvent churn = event(CustomerEventKind.CHURN, "churn-1", "cust-1", 12 * DAY, 3);
        assertThat(facts(process(churn, 101))).containsExactly("CHURNED");
        List<Routed> again = process(churn, 101);
        assertThat(facts(again)).containsExactly("CHURNED");
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
                .containsExactly("ACQUIRED", "CHURNED");
        assertThat(dead(out)).isEmpty();
    }
}
