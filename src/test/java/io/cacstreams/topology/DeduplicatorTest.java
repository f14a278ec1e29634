package io.cacstreams.topology;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.cacstreams.topology.Deduplicator.Verdict.DUPLICATE;
import static io.cacstreams.topology.Deduplicator.Verdict.NEW;
import static io.cacstreams.topology.Deduplicator.Verdict.REPLAY;
import static org.assertj.core.api.Assertions.assertThat;

class DeduplicatorTest {
    private static final Duration RETENTION = Duration.ofDays(7);
    private WindowStore<String, String> store;
    private Deduplicator dedup;

    @BeforeEach
    void store() {
        store = Stores.windowStoreBuilder(
                Stores.inMemoryWindowStore("dedup", Deduplicator.storeRetention(RETENTION), Duration.ofMillis(1), false),
                Serdes.String(), Serdes.String()).withLoggingDisabled().build();
        store.init(new MockProcessorContext<>().getStateStoreContext(), store);
        dedup = new Deduplicator(store, RETENTION, true); // at_least_once
    }

    @Test
    void theSameIdFromOtherCoordinatesIsADuplicateTheSameRecordReadAgainAReplay() {
        assertThat(dedup.check("e1", 1_000, "spend-0@5", "rep-2@40")).isEqualTo(NEW);
        assertThat(dedup.check("e1", 2_000, "spend-0@9", "rep-2@41")).as("re-sent by a producer").isEqualTo(DUPLICATE);
        assertThat(dedup.check("e1", 3_000, "spend-0@5", "rep-2@40")).as("this stage reads it again").isEqualTo(REPLAY);
        assertThat(dedup.check("e1", 3_000, "spend-0@5", "rep-2@77"))
                .as("a second copy written by the upstream stage's replay").isEqualTo(DUPLICATE);
        assertThat(dedup.check("e2", 3_000, "spend-0@5", "rep-2@40")).isEqualTo(NEW);
    }

    @Test
    void underExactlyOnceTheSameRecordReadAgainIsADuplicateToo() {
        Deduplicator exactlyOnce = new Deduplicator(store, RETENTION, false);
        assertThat(exactlyOnce.check("e1", 1_000, "spend-0@5", "rep-2@40")).isEqualTo(NEW);
        assertThat(exactlyOnce.check("e1", 3_000, "spend-0@5", "rep-2@40")).isEqualTo(DUPLICATE);
    }

    @Test
    void retentionIsExact() {
        long r = RETENTION.toMillis();
        assertThat(dedup.check("e1", 10_000, "t-0@1", "r-0@1")).isEqualTo(NEW);
        assertThat(dedup.check("e1", 10_000 + r - 1, "t-0@2", "r-0@2")).isEqualTo(DUPLICATE);
        assertThat(dedup.check("e1", 10_000 + r, "t-0@3", "r-0@3")).as("accepted a full retention ago: forgotten").isEqualTo(NEW);
        assertThat(dedup.check("e1", 10_000 + r + 1, "t-0@4", "r-0@4")).as("remembered anew").isEqualTo(DUPLICATE);
    }

    @Test
    void unknownCoordinatesAreNeverAReplay() {
        assertThat(dedup.check("e1", 1_000, "", "")).isEqualTo(NEW);
        assertThat(dedup.check("e1", 1_001, "", "")).isEqualTo(DUPLICATE);
        assertThat(dedup.check("e2", 1_000, "t-0@1", "")).isEqualTo(NEW);
        assertThat(dedup.check("e2", 1_001, "t-0@1", "")).isEqualTo(DUPLICATE);
    }
}
