package io.cacstreams.topology;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class EventIdsTest {
    private static final long HOUR = 3_600_000L;

    private static KeyValueStore<Bytes, String> store() {
        KeyValueStore<Bytes, String> store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("ids"),
                Serdes.Bytes(), Serdes.String()).withLoggingDisabled().build();
        store.init(new MockProcessorContext<>().getStateStoreContext(), store);
        return store;
    }

    @Test
    void underExactlyOnceEveryIdSeenIsADuplicateAndOnlyTheIdIsKept() {
        KeyValueStore<Bytes, String> store = store();
        EventIds ids = new EventIds(store, false);
        assertThat(ids.check(HOUR, "Spaid", "e1", "spend-0@7", "spend-by-bucket-1@3")).isEqualTo(EventIds.Verdict.NEW);
        assertThat(ids.check(HOUR, "Spaid", "e1", "spend-0@7", "spend-by-bucket-1@3"))
                .isEqualTo(EventIds.Verdict.DUPLICATE);
        assertThat(ids.check(HOUR, "Spaid", "e1", "spend-2@9", "spend-by-bucket-1@4"))
                .isEqualTo(EventIds.Verdict.DUPLICATE);
        assertThat(ids.check(HOUR, "Lpaid", "e1", "leads-0@7", "")).isEqualTo(EventIds.Verdict.NEW);
        try (var it = store.all()) {
            it.forEachRemaining(kv -> assertThat(kv.value).isEmpty());
        }
    }

    @Test
    void underAtLeastOnceTheSameRecordReadAgainIsAReplayAndAnotherCopyADuplicate() {
        EventIds ids = new EventIds(store(), true);
        assertThat(ids.check(HOUR, "Spaid", "e1", "spend-0@7", "spend-by-bucket-1@3")).isEqualTo(EventIds.Verdict.NEW);
        assertThat(ids.check(HOUR, "Spaid", "e1", "spend-0@7", "spend-by-bucket-1@3"))
                .isEqualTo(EventIds.Verdict.REPLAY);
        assertThat(ids.check(HOUR, "Spaid", "e1", "spend-2@9", "spend-by-bucket-1@4"))
                .isEqualTo(EventIds.Verdict.DUPLICATE);
    }

    @Test
    void idsOfBucketsNoCopyCanReachAreForgotten() {
        EventIds ids = new EventIds(store(), false);
        ids.check(HOUR, "Spaid", "old", "", "");
        ids.check(3 * HOUR, "Spaid", "new", "", "");
        ids.forgetThrough(2 * HOUR);
        assertThat(ids.check(HOUR, "Spaid", "old", "", "")).isEqualTo(EventIds.Verdict.NEW);
        assertThat(ids.check(3 * HOUR, "Spaid", "new", "", "")).isEqualTo(EventIds.Verdict.DUPLICATE);
    }
}
