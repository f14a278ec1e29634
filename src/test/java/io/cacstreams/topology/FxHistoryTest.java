package io.cacstreams.topology;

import io.cacstreams.events.DeadLetterReason;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.cacstreams.topology.TopologyHarness.day;
import static io.cacstreams.topology.WorkedExamplesTest.close;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/semantics.md: an amount is converted at "the fx-rates record of that currency with the greatest
 * validFrom <= occurredAt". The fx store once kept only longestWindow + grace + 1 day of history, counted back from
 * the newest validFrom it held, so an older event (a backfill loaded after later rates) became UNKNOWN_CURRENCY
 * (found on a real broker). The history is now {@code cac.fx.history} (ten years); this keeps it so.
 */
class FxHistoryTest {

    @Test
    void anEventOlderThanTheNewestRateByMoreThanTheFxHistoryIsStillPricedAtItsRate() {
        try (TopologyHarness h = new TopologyHarness(Map.of("cac.windows", "7d"))) { 
            h.fx("EUR", "1.10", day(0));
            h.fx("EUR", "1.20", day(30));
            h.spend("search", 100, "EUR", day(5)); // the first spend: no clock, not LATE
            h.flush();
            assertThat(h.dead).extracting(d -> d.getReason()).doesNotContain(DeadLetterReason.UNKNOWN_CURRENCY);
            close(h.latest("search", 7).getSpend(), 110);
        }
    }
}
