package io.cacstreams.topology;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ConversionWatermarkTest {
    private static final long IDLE = 300_000L;
    private KeyValueStore<String, Long> store;

    @BeforeEach
    void store() {
        store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("clock"), Serdes.String(), Serdes.Long())
                .withLoggingDisabled().build();
        store.init(new MockProcessorContext<>().getStateStoreContext(), store);
    }

    @Test
    void aPartitionThatHasDeliveredNothingYetHoldsTheWatermarkBack() {
        ConversionWatermark w = new ConversionWatermark(store, 3, IDLE, 0);
        w.advance(0, 1_000_000, 10);
        w.advance(1, 2_000_000, 20);
        assertThat(w.now(30)).as("partition 2 not read yet: nothing may be given up").isNull();
        w.advance(2, 500_000, 40);
        assertThat(w.now(50)).isEqualTo(500_000L);
    }

    @Test
    void anUnreadPartitionStopsHoldingBackOnceIdle() {
        ConversionWatermark w = new ConversionWatermark(store, 2, IDLE, 0);
        w.advance(0, 1_000_000, 10);
        assertThat(w.now(IDLE - 1)).isNull();
        // partition 1 has delivered nothing for the idle time since the task started: it is empty, not lagging
        assertThat(w.now(IDLE)).isEqualTo(1_000_000L);
    }

    @Test
    void idleKnownPartitionsAreLeftOutAndTheHighestClockCountsWhenAllAreIdle() {
        ConversionWatermark w = new ConversionWatermark(store, 2, IDLE, 0);
        w.advance(0, 1_000_000, 0);
        w.advance(1, 5_000_000, 100_000);
        assertThat(w.now(100_000)).isEqualTo(1_000_000L);
        assertThat(w.now(IDLE)).as("partition 0 idle").isEqualTo(5_000_000L);
        assertThat(w.now(100_000 + IDLE)).as("all idle").isEqualTo(5_000_000L);
    }

    @Test
    void clocksSurviveARestartAndEveryPartitionGetsAFreshChance() {
        ConversionWatermark before = new ConversionWatermark(store, 2, IDLE, 0);
        before.advance(0, 1_000_000, 0);
        before.advance(1, 3_000_000, 0);
        ConversionWatermark after = new ConversionWatermark(store, 2, IDLE, 10 * IDLE);
        assertThat(after.now(10 * IDLE)).isEqualTo(1_000_000L);
        after.advance(0, 900_000, 10 * IDLE); // older than its clock: the clock never goes back
        assertThat(after.now(10 * IDLE + 1)).isEqualTo(1_000_000L);
    }

    @Test
    void withoutAPartitionCountOnlyPartitionsSeenCount() {
        ConversionWatermark w = new ConversionWatermark(store, 0, IDLE, 0);
        assertThat(w.now(0)).isNull();
        w.advance(3, 7_000, 0);
        assertThat(w.now(1)).isEqualTo(7_000L);
    }
}
