package io.cacstreams.topology;

import io.cacstreams.config.TopicNames;
import io.cacstreams.events.AlertStatus;
import io.cacstreams.events.ChannelAlert;
import io.cacstreams.events.DeadLetter;
import io.cacstreams.generator.ChannelProfile;
import io.cacstreams.generator.EventEncoder;
import io.cacstreams.generator.Fault;
import io.cacstreams.generator.GeneratedEvent;
import io.cacstreams.generator.SyntheticMarket;
import io.cacstreams.events.ChannelMetrics;
import io.cacstreams.verify.ExpectedFigures;
import io.cacstreams.verify.OutputCheck;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The demo's market, through the real topology: every channel gets figures and the drifting one alerts and recovers. */
class SyntheticMarketTest {

    /** The default market at 35% of its volume: the same economics, fewer events through the slow test driver. */
    private static SyntheticMarket market(long seed) {
        return new SyntheticMarket(seed, TopologyHarness.T0, TopicNames.defaults(),
                ChannelProfile.defaults().stream().map(c -> c.scaled(0.35)).toList(),
                SyntheticMarket.Options.defaults());
    }

    @Test
    void theSameSeedGivesTheSameEvents() {
        SyntheticMarket a = market(7);
        SyntheticMarket b = market(7);
        assertThat(a.history()).isEqualTo(b.history());
        for (int i = 0; i < 48; i++) assertThat(a.nextHour()).isEqualTo(b.nextHour());
        assertThat(market(8).nextHour()).isNotEqualTo(market(7).nextHour());
    }

    @Test
    void theDriftingChannelFiresAnAlertThatResolvesAndBadRecordsAreDeadLettered() {
        // a third of the demo's volume gives counts too small for the demo's 90 % confidence in a 7-day window;
        // with bounds at 80 % the same drop is told from noise (the alert rules' own statistics: AlertEvaluatorTest)
        try (TopologyHarness h = new TopologyHarness(Map.of("cac.alert.confidence", "0.8"))) {
            SyntheticMarket m = market(42);
            EventEncoder encoder = new EventEncoder(h.registry(), 42);
            Map<Fault, Integer> faults = new EnumMap<>(Fault.class);
            ExpectedFigures expected = new ExpectedFigures(h.config);
            List<GeneratedEvent> all = new ArrayList<>(m.history());
            for (int hour = 0; hour < 50 * 24; hour++) all.addAll(m.nextHour());
            for (GeneratedEvent e : all) {
                h.raw(e.topic(), encoder.encode(e));
                faults.merge(e.fault(), 1, Integer::sum);
                expected.accept(e);
                if (e.occurredAt() % 3_600_000L < 60_000L) h.flush();
            }
            h.flush();
            List<ChannelAlert> social = h.alertsFor("paid_social", 7);
            assertThat(social).extracting(ChannelAlert::getStatus).contains(AlertStatus.FIRING, AlertStatus.RESOLVED);
            assertThat(social.get(social.size() - 1).getStatus()).isEqualTo(AlertStatus.RESOLVED);
            for (ChannelProfile c : ChannelProfile.defaults()) {
                assertThat(h.latest(c.name(), 7).getNewCustomers()).as(c.name()).isPositive();
            }
            assertThat(h.latest("paid_search", 30).getLtvToCac()).isGreaterThan(3.0);
            assertThat(faults.get(Fault.DUPLICATE)).isPositive();
            // every final figure, recomputed independently from the produced events
            List<String> mismatches = new ArrayList<>();
            for (String channel : expected.channels()) {
                for (int days : new int[]{7, 30, 90}) {
                    ChannelMetrics last = h.latest(channel, days);
                    mismatches.addAll(OutputCheck.compare(
                            expected.expect(channel, days, last.getAsOf().toEpochMilli()), last));
                }
            }
            assertThat(mismatches).isEmpty();
            assertThat(OutputCheck.alerts(h.alerts)).isEmpty();
            assertThat(expected.checkDeadLetters(h.dead.stream().collect(java.util.stream.Collectors.groupingBy(
                    DeadLetter::getReason, java.util.stream.Collectors.counting())))).isEmpty();
        }
    }
}
