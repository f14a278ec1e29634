package io.cacstreams.bench;

import io.cacstreams.config.TopicNames;
import io.cacstreams.events.MarketingSpend;
import io.cacstreams.generator.GeneratedEvent;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** How the bench turns what it observed into figures: task metrics, latencies, targets, where the backlog starts. */
class BenchFiguresTest {

    @Test
    void taskLoadFromAPrometheusScrapeSumsThreadsPerTaskAndComparesTheBusiestWithTheAverage() {
        String scrape = """
                # HELP kafka_stream_task_process_total The total number of calls to process
                # TYPE kafka_stream_task_process_total counter
                kafka_stream_task_process_total{kafka_version="4.3.1",task_id="1_0",thread_id="a-StreamThread-1"} 100.0
                kafka_stream_task_process_total{kafka_version="4.3.1",task_id="1_1",thread_id="a-StreamThread-1"} 300.0
                kafka_stream_task_process_total{kafka_version="4.3.1",task_id="2_0",thread_id="a-StreamThread-1"} 10.0
                kafka_stream_task_process_total{kafka_version="4.3.1",task_id="2_0",thread_id="a-StreamThread-2"} 5.0
                kafka_stream_task_process_total{kafka_version="4.3.1",task_id="2_1",thread_id="a-StreamThread-2"} 15.0
                kafka_stream_task_process_total{kafka_version="4.3.1",task_id="3_0",thread_id="a-StreamThread-2"} 0.0
                kafka_stream_task_process_total{kafka_version="4.3.1",task_id="-1_-1",thread_id="a-GlobalStreamThread"} 2.0
                kafka_stream_task_process_rate{kafka_version="4.3.1",task_id="1_0",thread_id="a-StreamThread-1"} 9.0
                """;
        TaskLoad t = TaskLoad.parse(scrape);
        assertThat(t.perTask()).isEqualTo(Map.of("1_0", 100L, "1_1", 300L, "2_0", 15L, "2_1", 15L, "3_0", 0L));
        assertThat(t.subTopologies()).containsExactly(
                new TaskLoad.Spread(1, 2, 400, 300, 200.0, 1.5),
                new TaskLoad.Spread(2, 2, 30, 15, 15.0, 1.0),
                new TaskLoad.Spread(3, 1, 0, 0, 0.0, null));
        assertThat(t.worstMaxToAverage()).isEqualTo(1.5);
        assertThat(TaskLoad.parse("jvm_threads_live_threads 12.0\n").worstMaxToAverage()).isNull();
    }

    @Test
    void theKthEventOfAChannelIsReflectedByTheFirstLaterLiveWindowRecordCountingK() {
        // the customer base ends at 100; the live stream's windows start at 200 and end at 5000
        InputLoad.Live live = new InputLoad.Live(5, new long[] {1000, 1000, 1500, 2000},
                new String[] {"a", "b", "a", "a"}, Map.of(), 100, Map.of());
        List<LatencyProbe.Arrival> arrivals = List.of(
                new LatencyProbe.Arrival(500, "a|7d", 0, 101, 3),     // the customer base's windows: not used
                new LatencyProbe.Arrival(900, "a|30d", 0, 101, 3),
                new LatencyProbe.Arrival(1100, "a|30d", 50, 101, 9),  // read after the first send: still not used
                new LatencyProbe.Arrival(1150, "a|7d", 150, 800, 2),  // an empty hour settling: ends before the stream
                new LatencyProbe.Arrival(1200, "b|7d", 200, 5000, 1),
                new LatencyProbe.Arrival(1300, "a|7d", 200, 5000, 0), // nothing counted yet
                new LatencyProbe.Arrival(1400, "a|30d", 200, 5000, 1), // a's first
                new LatencyProbe.Arrival(1450, "a|7d", 200, 5000, 1),
                new LatencyProbe.Arrival(2600, "a|7d", 200, 5000, 2), // a's second
                new LatencyProbe.Arrival(2700, "a|30d", 200, 5000, 2));
        LatencyProbe.Latencies l = LatencyProbe.measure(live, arrivals);
        // a@1000 -> 1400 (400), b@1000 -> 1200 (200), a@1500 -> 2600 (1100), a@2000: no record counts a third
        assertThat(l).isEqualTo(new LatencyProbe.Latencies(4, 1, 400, 1100, 1100));
    }

    @Test
    void recordsOfTheCustomerBaseReadBeforeTheStreamDoNotRaiseTheCountNeeded() {
        InputLoad.Live live = new InputLoad.Live(2, new long[] {1000, 1010}, new String[] {"a", "a"}, Map.of(), 100, Map.of());
        List<LatencyProbe.Arrival> early = List.of(
                new LatencyProbe.Arrival(990, "a|7d", 0, 101, 40),    // the base's last snapshot, read before the send
                new LatencyProbe.Arrival(1300, "a|7d", 200, 5000, 2));
        assertThat(LatencyProbe.measure(live, early)).isEqualTo(new LatencyProbe.Latencies(2, 0, 290, 300, 300));
    }

    @Test
    void theWarmUpsEventsAreCountedBeforeTheStreamsFirst() {
        InputLoad.Live live = new InputLoad.Live(2, new long[] {1000, 1010}, new String[] {"a", "a"}, Map.of(), 100,
                Map.of("a", 5));
        List<LatencyProbe.Arrival> arrivals = List.of(
                new LatencyProbe.Arrival(1100, "a|7d", 200, 5000, 5),  // the warm-up alone
                new LatencyProbe.Arrival(1200, "a|7d", 200, 5000, 6),  // the stream's first
                new LatencyProbe.Arrival(1500, "a|7d", 200, 5000, 7));
        assertThat(LatencyProbe.measure(live, arrivals)).isEqualTo(new LatencyProbe.Latencies(2, 0, 200, 490, 490));
    }

    @Test
    void nearestRankPercentiles() {
        long[] sorted = new long[100];
        for (int i = 0; i < 100; i++) sorted[i] = i + 1;
        assertThat(LatencyProbe.percentile(sorted, 0.50)).isEqualTo(50);
        assertThat(LatencyProbe.percentile(sorted, 0.99)).isEqualTo(99);
        assertThat(LatencyProbe.percentile(new long[] {7}, 0.99)).isEqualTo(7);
        assertThat(LatencyProbe.percentile(new long[0], 0.5)).isEqualTo(-1);
    }

    @Test
    void targetsAreComputedFromTheFigures() {
        BenchReport.Plain plain = new BenchReport.Plain(1000, 1, 100_000, List.of(100_000.0));
        BenchReport.Run eos = new BenchReport.Run("exactly_once_v2", "exactly_once_v2", "app", 1000, 5, 1, 30_000,
                0.30, 150_000, 150, 400);
        BenchReport.Run eos4 = new BenchReport.Run("x4", "exactly_once_v2", "app4", 4000, 5, 4.8, 23_000, 0.23,
                800_000, 200, 450);
        BenchReport.Latency latency = new BenchReport.Latency(5000, 20, 100_000, 80_000, 0, 800, 2100, 2500, 1000,
                900);
        TaskLoad tasks = TaskLoad.of(Map.of("1_0", 10L, "1_1", 30L));
        List<BenchReport.Target> t = BenchReport.targets(plain, eos, eos4, latency, tasks);
        assertThat(t).extracting(BenchReport.Target::met).containsExactly(true, false, true, false, true);
        assertThat(t.get(1).value()).isEqualTo("23000 vs 30000 events/s (76.7%)");
        assertThat(BenchReport.targets(plain, eos, null, null, null)).extracting(BenchReport.Target::met)
                .containsExactly(true, null, true, null, null);
    }

    @Test
    void theBacklogStartsOnTheSameMondayUnlessItWouldReachThePresent() {
        Instant now = Instant.parse("2026-11-28T12:00:00Z");
        assertThat(InputLoad.start(262_000, now)).isEqualTo(InputLoad.ANCHOR);
        Instant moved = InputLoad.start(2_000_000, now);
        assertThat(moved).isBefore(InputLoad.ANCHOR);
        assertThat(moved.atZone(ZoneOffset.UTC).getDayOfWeek()).isEqualTo(DayOfWeek.MONDAY);
        assertThat(Duration.between(moved, InputLoad.ANCHOR).toDays() % 7).isZero();
        assertThat(moved.plus(Duration.ofDays(2_000_000 / 400))).isBefore(now);
    }

    @Test
    void spendIsKeyedByEventIdSoThatEverySpendPartitionGetsSome() {
        TopicNames topics = TopicNames.defaults();
        Set<Integer> spendPartitions = new HashSet<>();
        Iterator<GeneratedEvent> market = InputLoad.market(42, InputLoad.ANCHOR, topics);
        int spend = 0;
        while (spend < 200) { // the customer base (conversions) comes first
            GeneratedEvent e = market.next();
            String key = InputLoad.key(e);
            if (e.value() instanceof MarketingSpend s) {
                assertThat(key).isEqualTo(s.getEventId());
                spendPartitions.add(Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % 6);
                spend++;
            } else {
                assertThat(key).isEqualTo(e.key());
            }
        }
        assertThat(spendPartitions).as("keyed by channel, five channels fill three of six").hasSize(6);
    }
}
