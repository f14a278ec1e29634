package io.cacstreams.verify;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.StreamsConfig;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

/**
 * Waits until a cac-streams application has processed everything: its consumer group has committed the end of every
 * input partition and of every partition of every repartition topic of the application, the output topics have
 * stopped growing for a settle period, no transaction is left open on them and, where the caller names them, every
 * expected output key has at least one record.
 *
 * <p>The repartition topics are found by name ({@code <applicationId>-...-repartition}), not from the group's
 * committed offsets: before a downstream task commits for the first time, the committed offsets name no repartition
 * partition at all, and an application that has read its inputs but not yet its repartition topics would pass as
 * quiet with empty outputs. A partition with records and no committed offset is not consumed.
 *
 * <p>The application writes PROGRESS markers to its repartition topics as its stages' clocks move (at most every
 * emit interval per input task), so their end offsets need not stand still while it runs: a repartition partition counts as consumed when the group has committed the end it
 * had a {@code lag} earlier (see {@link #lagFor}), less one for the commit marker that ends a transaction. Records
 * appended in that last lag are checked by later looks: quiet takes {@link #ROUNDS} quiet looks, each judged against
 * ends seen no earlier than the previous one, so that what the application derived from the last records it read has
 * been read in turn (a look that finds a fresh marker unread in between changes nothing; unread inputs start over).
 * Inputs, which only the caller writes, must be consumed to their very end.
 */
public final class Quiescence {
    private static final String REPARTITION_SUFFIX = "-repartition";
    /** What the overloads without a lag assume: a commit interval of up to 2 s (verify's own). */
    public static final Duration DEFAULT_LAG = Duration.ofSeconds(5);
    /**
     * Rounds of quiet looks, each judged against ends no older than the previous round's look: one more than the
     * application's chain of repartition topics (inputs, by bucket or customer, partials by channel) is deep, so
     * that what it derived from the last records of one topic has been read from the next.
     */
    static final int ROUNDS = 3;
    static final Duration LOOK_EVERY = Duration.ofMillis(250);

    private Quiescence() {
    }

    /**
     * How long after a record is appended a keeping-up application has committed past it: twice its commit interval
     * ({@code commit.interval.ms}; Kafka Streams' default 100 ms under exactly-once, 30 s under at-least-once), the
     * writer's transaction being committed only at its next commit and the reader's offsets at its own, plus a second
     * for the poll and the processing.
     */
    public static Duration lagFor(Map<String, String> kafkaSettings) {
        String ms = kafkaSettings.get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG);
        boolean eos = !StreamsConfig.AT_LEAST_ONCE.equals(
                kafkaSettings.getOrDefault(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2));
        long commit = ms != null ? Long.parseLong(ms.strip()) : eos ? 100 : 30_000;
        return Duration.ofMillis(2 * commit).plusSeconds(1);
    }

    /** @return a description of what was still pending if the timeout passed, or null when quiet */
    public static String await(Admin admin, String applicationId, List<String> inputs, List<String> outputs,
                               Duration settle, Duration timeout) throws InterruptedException {
        return await(admin, applicationId, inputs, Map.of(), outputs, settle, timeout);
    }

    /**
     * As {@link #await(Admin, String, List, List, Duration, Duration)}, where {@code producedEnds} are end offsets
     * the caller knows its own records reached (from its send callbacks): an input partition counts as consumed only
     * once the group has committed past them too, whatever the broker's offset listing says at that moment.
     */
    public static String await(Admin admin, String applicationId, List<String> inputs,
                               Map<TopicPartition, Long> producedEnds, List<String> outputs,
                               Duration settle, Duration timeout) throws InterruptedException {
        return await(new Watch(admin, applicationId, inputs, producedEnds, DEFAULT_LAG), outputs, null, settle,
                timeout);
    }

    /**
     * As {@link #await(Admin, String, List, Map, List, Duration, Duration)}, with the group's progress judged by
     * {@code watch}, and not quiet while {@code expectedKeys} (null: no such condition) still misses a key: an
     * application that stops early, or has not emitted yet, must not pass for one that has finished.
     */
    public static String await(Watch watch, List<String> outputs, OutputKeys expectedKeys, Duration settle,
                               Duration timeout) throws InterruptedException {
        return settle(watch, outputs, expectedKeys, settle, timeout, pending -> { }).pending();
    }

    /**
     * How a wait ended: {@code pending} is null when quiet, else what was still pending at the timeout. When quiet,
     * the {@link System#nanoTime()}s of the last look that saw the outputs change and of the look as of which
     * everything was found consumed ({@link Watch#consumedAsOf()}) when the final quiet stretch began.
     */
    public record Settled(String pending, long outputsChangedAt, long consumedAsOf) {
    }

    /**
     * The wait of {@link #await(Watch, List, OutputKeys, Duration, Duration)}, looking every {@link #LOOK_EVERY};
     * {@code afterLook} is told what each look found pending (null: nothing) and may throw to end the wait (e.g. the
     * application has exited).
     */
    public static Settled settle(Watch watch, List<String> outputs, OutputKeys expectedKeys, Duration settle,
                                 Duration timeout, Consumer<String> afterLook) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<TopicPartition, Long> lastOutputEnds = Map.of();
        long stableSince = System.nanoTime();
        int rounds = 0;
        long roundAt = -1;
        long consumedAsOf = -1;
        String pending = "nothing checked yet";
        while (System.nanoTime() < deadline) {
            try {
                long now = System.nanoTime();
                Map<TopicPartition, Long> ends = endOffsets(watch.admin, outputs);
                if (!ends.equals(lastOutputEnds)) {
                    lastOutputEnds = ends;
                    stableSince = now;
                }
                pending = watch.look();
                if (pending == null) {
                    // a round: a quiet look whose reference is no older than the previous round's look
                    if (rounds == 0 || watch.referenceAt() >= roundAt) {
                        if (++rounds == 1) consumedAsOf = watch.consumedAsOf();
                        roundAt = now;
                    }
                    if (expectedKeys != null) pending = expectedKeys.pending();
                } else if (!watch.inputsConsumed()) {
                    rounds = 0;
                }
                if (pending == null) {
                    List<TopicPartition> open = OutputSnapshot.openTransactions(watch.admin, outputs);
                    if (!open.isEmpty()) pending = "open transactions on " + open;
                }
                if (pending == null) {
                    if (rounds < ROUNDS) pending = "consumed, round " + rounds + " of " + ROUNDS;
                    else if (now - stableSince < settle.toNanos()) pending = "outputs still growing";
                    else return new Settled(null, stableSince, consumedAsOf);
                }
            } catch (ExecutionException e) {
                pending = "admin call failed: " + e.getCause();
            }
            afterLook.accept(pending);
            Thread.sleep(LOOK_EVERY.toMillis());
        }
        return new Settled(pending, -1, -1);
    }

    /**
     * An application's consumer group looked at again and again: every input partition must be consumed to its end,
     * every repartition partition to the end it had {@code lag} before (zero: the same look's).
     */
    public static final class Watch {
        private final Admin admin;
        private final String applicationId;
        private final List<String> inputs;
        private final Map<TopicPartition, Long> producedEnds;
        private final Duration lag;
        private final LongSupplier clock;
        /** Earlier looks at the repartition partitions' ends, oldest first, none older than needed. */
        private final Deque<Look> looks = new ArrayDeque<>();
        private long consumedAsOf = -1;
        private long referenceAt = -1;
        private long inputsConsumedSince = -1;

        private record Look(long at, Map<TopicPartition, Long> ends) {
        }

        public Watch(Admin admin, String applicationId, List<String> inputs, Map<TopicPartition, Long> producedEnds,
                     Duration lag) {
            this(admin, applicationId, inputs, producedEnds, lag, System::nanoTime);
        }

        /** @param clock what {@link System#nanoTime()} is to this watch (tests) */
        Watch(Admin admin, String applicationId, List<String> inputs, Map<TopicPartition, Long> producedEnds,
              Duration lag, LongSupplier clock) {
            this.admin = admin;
            this.applicationId = applicationId;
            this.inputs = List.copyOf(inputs);
            this.producedEnds = Map.copyOf(producedEnds);
            this.lag = lag;
            this.clock = clock;
        }

        /**
         * One look now: null when every input partition is consumed to its end (and at least up to the caller's
         * {@code producedEnds}) and every repartition partition to the end it had {@code lag} ago; else the first
         * partition found behind.
         */
        public String look() throws ExecutionException, InterruptedException {
            long now = clock.getAsLong();
            Map<TopicPartition, OffsetAndMetadata> committed =
                    admin.listConsumerGroupOffsets(applicationId).partitionsToOffsetAndMetadata().get();
            Map<TopicPartition, Long> inputEnds = new HashMap<>(endOffsets(admin, inputs));
            producedEnds.forEach((tp, end) -> {
                if (inputs.contains(tp.topic())) inputEnds.merge(tp, end, Math::max);
            });
            Map<TopicPartition, Long> internalEnds = endOffsets(admin, repartitionTopics(admin, applicationId));
            looks.addLast(new Look(now, internalEnds));
            Look reference = null;
            while (!looks.isEmpty() && now - looks.peekFirst().at() >= lag.toNanos()) reference = looks.pollFirst();
            if (reference != null) looks.addFirst(reference); // the newest look old enough stays the reference
            consumedAsOf = -1;
            referenceAt = -1;
            String inputPending = inputsPending(committed, inputEnds);
            if (inputPending != null) {
                inputsConsumedSince = -1;
                return inputPending;
            }
            if (inputsConsumedSince < 0) inputsConsumedSince = now;
            if (reference == null) return "watching the repartition topics for " + lag;
            for (TopicPartition tp : sorted(reference.ends().keySet())) {
                long end = reference.ends().get(tp);
                OffsetAndMetadata c = committed.get(tp);
                if (end > 0 && c == null) {
                    return "repartition " + tp + " not consumed yet (no committed offset, end " + end + ")";
                }
                // the last offset may be the commit marker of a transaction, which the committed position of a
                // consumer that has read every record may stop short of
                if (c != null && c.offset() < end - 1) return "repartition " + tp + " at " + c.offset() + " of " + end;
            }
            referenceAt = reference.at();
            consumedAsOf = Math.max(reference.at(), inputsConsumedSince);
            return null;
        }

        private static String inputsPending(Map<TopicPartition, OffsetAndMetadata> committed,
                                            Map<TopicPartition, Long> inputEnds) {
            for (TopicPartition tp : sorted(inputEnds.keySet())) {
                long end = inputEnds.get(tp);
                OffsetAndMetadata c = committed.get(tp);
                if (end > 0 && c == null) {
                    return "input " + tp + " not consumed yet (no committed offset, end " + end + ")";
                }
                if (c != null && c.offset() < end) return "input " + tp + " at " + c.offset() + " of " + end;
            }
            return null;
        }

        /**
         * After a {@link #look()} that found everything consumed: the {@link System#nanoTime()} as of which it is
         * known to be: the later of the earlier look whose repartition ends were found consumed and the first look of
         * the current stretch that found the inputs consumed; else -1.
         */
        public long consumedAsOf() {
            return consumedAsOf;
        }

        /** After a {@link #look()} that found everything consumed: the time of the look it judged by; else -1. */
        public long referenceAt() {
            return referenceAt;
        }

        /** Whether the last {@link #look()} found every input partition consumed. */
        public boolean inputsConsumed() {
            return inputsConsumedSince >= 0;
        }

        public Duration lag() {
            return lag;
        }
    }

    /** Every topic named {@code <applicationId>-...-repartition}, whether the group has committed on it or not. */
    public static List<String> repartitionTopics(Admin admin, String applicationId)
            throws ExecutionException, InterruptedException {
        String prefix = applicationId + "-";
        return admin.listTopics().names().get().stream()
                .filter(t -> t.startsWith(prefix) && t.endsWith(REPARTITION_SUFFIX))
                .sorted()
                .toList();
    }

    private static List<TopicPartition> sorted(Set<TopicPartition> partitions) {
        List<TopicPartition> out = new ArrayList<>(partitions);
        out.sort(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
        return out;
    }

    /** The end offset (high watermark) of every partition of {@code topics}. */
    public static Map<TopicPartition, Long> endOffsets(Admin admin, List<String> topics)
            throws ExecutionException, InterruptedException {
        if (topics.isEmpty()) return Map.of();
        Map<TopicPartition, OffsetSpec> spec = admin.describeTopics(topics).allTopicNames().get().values().stream()
                .flatMap(d -> d.partitions().stream().map(p -> new TopicPartition(d.name(), p.partition())))
                .collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()));
        Map<TopicPartition, Long> out = new HashMap<>();
        admin.listOffsets(spec).all().get().forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }
}
