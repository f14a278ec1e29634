package io.cacstreams.verify;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class QuiescenceTest {

    @Test
    void theLagCoversTheWritersCommitAndTheReadersPlusASecond() {
        assertThat(Quiescence.lagFor(Map.of())).as("exactly-once, Kafka Streams' 100 ms")
                .isEqualTo(Duration.ofMillis(1200));
        assertThat(Quiescence.lagFor(Map.of("processing.guarantee", "at_least_once")))
                .as("at-least-once, Kafka Streams' 30 s").isEqualTo(Duration.ofSeconds(61));
        assertThat(Quiescence.lagFor(Map.of("commit.interval.ms", "2000"))).as("verify's own")
                .isEqualTo(Duration.ofSeconds(5)).isEqualTo(Quiescence.DEFAULT_LAG);
    }
}
