package io.cacstreams.topology;

import io.cacstreams.events.Lead;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the de-duplication memory costs per remembered id (issue 8; figures in docs/semantics.md, "Duplicates"):
 * 20,000 leads with UUID event ids over 10 days (all within the horizon, so none is forgotten) through the real
 * topology on RocksDB; then the bucket stage's id store is read back and its keys and values measured. Not part of
 * the suite (the name does not end in Test): run with {@code mvn test -Dtest=DedupMemoryStudy}.
 */
class DedupMemoryStudy {
    private static final int LEADS = 20_000;

    @Test
    void bytesPerRememberedId() {
        try (TopologyHarness h = new TopologyHarness(Map.of("cac.state.in.memory", "false", "cac.windows", "7d,30d"))) {
            for (int i = 0; i < LEADS; i++) {
                h.send(h.config.topics().leads(), Lead.newBuilder().setEventId(UUID.randomUUID().toString())
                        .setLeadId(UUID.randomUUID().toString()).setChannel("paid_search").setQualityScore(50)
                        .setOccurredAt(TopologyHarness.day(i * 10.0 / LEADS)).build());
            }
            h.flush();
            KeyValueStore<Bytes, String> ids = h.driver.getKeyValueStore(StoreNames.EVENT_IDS);
            long n = 0;
            long keyBytes = 0;
            long valueBytes = 0;
            try (KeyValueIterator<Bytes, String> it = ids.all()) {
                while (it.hasNext()) {
                    KeyValue<Bytes, String> kv = it.next();
                    n++;
                    keyBytes += kv.key.get().length;
                    valueBytes += kv.value.getBytes(StandardCharsets.UTF_8).length;
                }
            }
            System.out.printf("ids remembered: %d; key %.1f B, value %.1f B per id (%s)%n", n,
                    (double) keyBytes / n, (double) valueBytes / n, sample(ids));
            assertThat(n).isEqualTo(LEADS);
        }
    }

    private static String sample(KeyValueStore<Bytes, String> ids) {
        try (KeyValueIterator<Bytes, String> it = ids.all()) {
            KeyValue<Bytes, String> kv = it.next();
            return "e.g. value '" + kv.value + "'";
        }
    }
}
