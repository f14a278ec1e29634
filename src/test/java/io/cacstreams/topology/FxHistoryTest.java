package io.cacstreams.topology;

import io.cacstreams.events.DeadLetterReason;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.cacstreams.topology.TopologyHarness.day;
import static io.cacstreams.topology.WorkedExamplesTest.close;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/semantics.md: an amount is converted at "the fx-rates record of that currency with the greatest
 * validFrom <= occurredAt". The fx store keeps only longestWindow + grace + 1 day of history, counted back from the
 * newest validFrom it holds, not from the stage clocks, so an event that is not LATE but older than that is
 * UNKNOWN_CURRENCY once a newer rate is in the store. On a real broker the global thread loads rates ahead of the
 * stream threads, so a backfill sent together with later days loses its foreign-currency events this way (found by
 * TopologyOnBrokerIT, which now sends the backfill first). Fails today; enable once the fx history is long enough.
 */
class FxHistoryTest {

    @Test
    @Disabled("known bug: fx history is counted from the newest rate, not from the event's stage; see the class comment")
    void anEventOlderThanTheNewestRateByMoreThanTheFxHistoryIsStillPricedAtItsRate() {
        try (TopologyHarness h = new TopologyHarness(Map.of("cac.windows", "7d"))) { // fx history 7d + 1d + 1d
            h.fx("EUR", "1.10", day(0));
            h.fx("EUR", "1.20", day(30));
            h.spend("search", 100, "EUR", day(5)); // the first spend: no clock, not LATE
            h.flush();
            assertThat(h.dead).extracting(d -> d.getReason()).doesNotContain(DeadLetterReason.UNKNOWN_CURRENCY);
            close(h.latest("search", 7).getSpend(), 110);
        }
    }
}
