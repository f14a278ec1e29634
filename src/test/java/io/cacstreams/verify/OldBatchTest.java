package io.cacstreams.verify;

import io.cacstreams.config.TopicNames;
import io.cacstreams.generator.ChannelProfile;
import io.cacstreams.generator.Fault;
import io.cacstreams.generator.GeneratedEvent;
import io.cacstreams.generator.SyntheticMarket;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OldBatchTest {
    private static final TopicNames TOPICS = TopicNames.defaults();

    /** {@code days} simulated days of the default market at a fifth of its volume, with bad records and duplicates. */
    private static List<GeneratedEvent> hours(int days) {
        SyntheticMarket m = new SyntheticMarket(3, Instant.parse("2026-01-05T00:00:00Z"), TOPICS,
                ChannelProfile.defaults().stream().map(c -> c.scaled(0.2)).toList(),
                new SyntheticMarket.Options(0.05, 0.05));
        m.history();
        List<GeneratedEvent> out = new ArrayList<>();
        for (int h = 0; h < days * 24; h++) out.addAll(m.nextHour());
        return out;
    }

    @Test
    void reSendsTheShareOfGoodEventsUnchangedFromWeeksBackInTheirOriginalOrder() {
        List<GeneratedEvent> events = hours(70);
        List<GeneratedEvent> old = OldBatch.pick(events, 0.05, 1, TOPICS.fxRates());

        List<GeneratedEvent> good = events.stream()
                .filter(e -> e.fault() == Fault.NONE && !e.topic().equals(TOPICS.fxRates())).toList();
        long newest = good.stream().mapToLong(GeneratedEvent::occurredAt).max().orElseThrow();
        assertThat(old).hasSize((int) Math.round(0.05 * good.size()));
        assertThat(old).allSatisfy(e -> {
            assertThat(e.fault()).isEqualTo(Fault.DUPLICATE);
            assertThat(e.topic()).isNotEqualTo(TOPICS.fxRates());
            assertThat(newest - e.occurredAt()).isBetween(OldBatch.MIN_AGE.toMillis(), OldBatch.MAX_AGE.toMillis());
        });
        // each is one of the good events, the same key, value and time, and they keep the order they were sent in
        List<Integer> positions = new ArrayList<>();
        for (GeneratedEvent e : old) {
            GeneratedEvent original = new GeneratedEvent(e.topic(), e.key(), e.value(), e.occurredAt(), Fault.NONE);
            positions.add(good.indexOf(original));
        }
        assertThat(positions).doesNotContain(-1).isSorted().doesNotHaveDuplicates();
        assertThat(old).extracting(GeneratedEvent::topic).contains(TOPICS.spend(), TOPICS.leads(),
                TOPICS.conversions(), TOPICS.churn());
        // the same seed picks the same events
        assertThat(OldBatch.pick(events, 0.05, 1, TOPICS.fxRates())).isEqualTo(old);
    }

    @Test
    void onAShortRunTheBatchComesFromItsOlderHalf() {
        List<GeneratedEvent> events = hours(6);
        List<GeneratedEvent> old = OldBatch.pick(events, 0.1, 1, TOPICS.fxRates());
        long newest = events.stream().filter(e -> e.fault() == Fault.NONE && !e.topic().equals(TOPICS.fxRates()))
                .mapToLong(GeneratedEvent::occurredAt).max().orElseThrow();
        assertThat(old).isNotEmpty().allSatisfy(e ->
                assertThat(newest - e.occurredAt()).isGreaterThanOrEqualTo(Duration.ofDays(2).toMillis()));
    }

    @Test
    void noShareNoBatch() {
        assertThat(OldBatch.pick(hours(20), 0, 1, TOPICS.fxRates())).isEmpty();
        assertThatThrownBy(() -> OldBatch.pick(List.of(), 1.5, 1, TOPICS.fxRates()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
