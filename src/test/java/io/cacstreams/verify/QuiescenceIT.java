package io.cacstreams.verify;

import io.cacstreams.devstack.EmbeddedKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Quiescence on a real broker, with a consumer group whose offsets the test commits by hand: an application is quiet
 * only when every partition of its repartition topics (found by name, committed on or not) is consumed, and, where
 * the caller names them, every expected output key has a record.
 */
class QuiescenceIT {
    private static final AtomicInteger RUN = new AtomicInteger();
    private static EmbeddedKafka kafka;
    private static Admin admin;

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafka.start();
        admin = kafka.admin();
    }

    @AfterAll
    static void stop() {
        if (admin != null) admin.close();
        if (kafka != null) kafka.close();
    }

    /** An application id and topic names of its own for one test. */
    private record App(String id, String input, String repartition, String output) {
        static App next() {
            String id = "quiet-" + RUN.incrementAndGet() + "-" + System.nanoTime();
            return new App(id, id + "-input", id + "-facts-by-channel-repartition", id + "-metrics");
        }
    }

    /** A watch that compares the committed offsets with the ends of the same look. */
    private static Quiescence.Watch now(App app) {
        return new Quiescence.Watch(admin, app.id(), List.of(app.input()), Map.of(), Duration.ZERO);
    }

    private static KafkaProducer<String, String> producer() {
        Properties p = new Properties();
        p.putAll(kafka.clientProperties());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    private static void commit(String group, Map<TopicPartition, Long> offsets) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> m = new HashMap<>();
        offsets.forEach((tp, o) -> m.put(tp, new OffsetAndMetadata(o)));
        admin.alterConsumerGroupOffsets(group, m).all().get();
    }

    @Test
    void repartitionRecordsNoTaskHasCommittedOnAreNotQuiet() throws Exception {
        App app = App.next();
        kafka.createTopics(2, app.input(), app.output());
        kafka.createTopics(3, app.repartition());
        try (KafkaProducer<String, String> p = producer()) {
            for (int i = 0; i < 4; i++) p.send(new ProducerRecord<>(app.input(), i % 2, "k" + i, "event")).get();
            for (int i = 0; i < 3; i++) p.send(new ProducerRecord<>(app.repartition(), 0, "c", "fact")).get();
            p.send(new ProducerRecord<>(app.repartition(), 1, "d", "fact")).get();
        }
        // the input stage has committed everything; no downstream task has committed anything yet
        commit(app.id(), Map.of(new TopicPartition(app.input(), 0), 2L, new TopicPartition(app.input(), 1), 2L));

        String pending = Quiescence.await(admin, app.id(), List.of(app.input()), List.of(app.output()),
                Duration.ZERO, Quiescence.DEFAULT_LAG.plusSeconds(2));
        assertThat(pending).as("an application that has committed no repartition offset yet is not quiet")
                .isEqualTo("repartition " + app.repartition() + "-0 not consumed yet (no committed offset, end 3)");

        // one partition consumed, the other still without a committed offset (partition 2 is empty: nothing to read)
        commit(app.id(), Map.of(new TopicPartition(app.repartition(), 0), 3L));
        assertThat(now(app).look())
                .isEqualTo("repartition " + app.repartition() + "-1 not consumed yet (no committed offset, end 1)");

        commit(app.id(), Map.of(new TopicPartition(app.repartition(), 1), 1L));
        assertThat(Quiescence.await(now(app), List.of(app.output()), null, Duration.ZERO, Duration.ofSeconds(10)))
                .isNull();
    }

    @Test
    void aRepartitionPartitionBehindItsEndIsNotQuiet() throws Exception {
        App app = App.next();
        kafka.createTopics(1, app.input(), app.repartition(), app.output());
        try (KafkaProducer<String, String> p = producer()) {
            for (int i = 0; i < 5; i++) p.send(new ProducerRecord<>(app.repartition(), 0, "c", "fact")).get();
        }
        commit(app.id(), Map.of(new TopicPartition(app.repartition(), 0), 2L));
        assertThat(now(app).look()).isEqualTo("repartition " + app.repartition() + "-0 at 2 of 5");
        // topics of other applications, or not named as repartition topics, are not this application's
        assertThat(Quiescence.repartitionTopics(admin, app.id())).containsExactly(app.repartition());
    }

    @Test
    void markersWrittenAfterAnEarlierLookDoNotHoldQuiescenceBackButRecordsOlderThanTheLagDo() throws Exception {
        App app = App.next();
        kafka.createTopics(1, app.input(), app.repartition(), app.output());
        AtomicLong clock = new AtomicLong();
        Quiescence.Watch watch = new Quiescence.Watch(admin, app.id(), List.of(app.input()), Map.of(),
                Duration.ofSeconds(2), clock::get);
        try (KafkaProducer<String, String> p = producer()) {
            for (int i = 0; i < 3; i++) p.send(new ProducerRecord<>(app.repartition(), 0, "c", "fact")).get();
            assertThat(watch.look()).as("no look old enough yet").isEqualTo("watching the repartition topics for PT2S");
            commit(app.id(), Map.of(new TopicPartition(app.repartition(), 0), 3L));
            // the upstream stage goes on writing its PROGRESS markers
            for (int i = 0; i < 2; i++) p.send(new ProducerRecord<>(app.repartition(), 0, "progress", "marker")).get();
            clock.set(Duration.ofSeconds(2).toNanos());
            assertThat(watch.look()).as("the end of 2 s ago is consumed").isNull();
            assertThat(watch.consumedAsOf()).isZero();
            assertThat(now(app).look()).isEqualTo("repartition " + app.repartition() + "-0 at 3 of 5");
            // 2 s later, the look that saw the markers is the reference: they must be consumed by now
            clock.set(Duration.ofSeconds(4).toNanos());
            assertThat(watch.look()).isEqualTo("repartition " + app.repartition() + "-0 at 3 of 5");
            commit(app.id(), Map.of(new TopicPartition(app.repartition(), 0), 5L));
            clock.set(Duration.ofSeconds(5).toNanos());
            assertThat(watch.look()).isNull();
            assertThat(watch.consumedAsOf()).isEqualTo(Duration.ofSeconds(2).toNanos());
        }
    }

    @Test
    void anInputPartitionWithoutACommittedOffsetIsNotQuiet() throws Exception {
        App app = App.next();
        kafka.createTopics(2, app.input(), app.output());
        try (KafkaProducer<String, String> p = producer()) {
            p.send(new ProducerRecord<>(app.input(), 1, "k", "event")).get();
        }
        commit(app.id(), Map.of(new TopicPartition(app.input(), 0), 0L));
        assertThat(now(app).look())
                .isEqualTo("input " + app.input() + "-1 not consumed yet (no committed offset, end 1)");
        // what the caller's own sends reached counts even where the broker's listing would say less
        commit(app.id(), Map.of(new TopicPartition(app.input(), 1), 1L));
        assertThat(new Quiescence.Watch(admin, app.id(), List.of(app.input()),
                Map.of(new TopicPartition(app.input(), 1), 2L), Duration.ZERO).look())
                .isEqualTo("input " + app.input() + "-1 at 1 of 2");
        assertThat(now(app).look()).isNull();
    }

    @Test
    void quietNeedsARecordForEveryExpectedKey() throws Exception {
        App app = App.next();
        kafka.createTopics(3, app.input(), app.output());
        Map<String, Object> clients = new TreeMap<>(kafka.clientProperties());
        try (KafkaProducer<String, String> p = producer();
             OutputKeys keys = new OutputKeys(clients, app.output(), Set.of("a|7d", "b|7d", "ALL|7d"))) {
            p.send(new ProducerRecord<>(app.output(), "a|7d", "metrics")).get();
            p.send(new ProducerRecord<>(app.output(), "ALL|7d", "metrics")).get();
            String pending = Quiescence.await(now(app), List.of(app.output()), keys, Duration.ZERO,
                    Duration.ofSeconds(3));
            assertThat(pending).isEqualTo("no record yet on " + app.output() + " for 1 expected key(s): [b|7d]");

            p.send(new ProducerRecord<>(app.output(), "b|7d", "metrics")).get();
            assertThat(Quiescence.await(now(app), List.of(app.output()), keys, Duration.ZERO,
                    Duration.ofSeconds(20))).isNull();
            assertThat(keys.missing()).isEmpty();
        }
    }
}
