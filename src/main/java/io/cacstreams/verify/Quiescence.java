package io.cacstreams.verify;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;

/**
 * Waits until a cac-streams application has processed everything: its consumer group has committed the end of every
 * input partition and of every partition of every repartition topic of the application (allowing for the
 * transaction marker that ends them), the output topics have stopped growing for a settle period, no transaction is
 * left open on them and, where the caller names them, every expected output key has at least one record.
 *
 * <p>The repartition topics are found by name ({@code <applicationId>-...-repartition}), not from the group's
 * committed offsets: before a downstream task commits for the first time, the committed offsets name no repartition
 * partition at all, and an application that has read its inputs but not yet its repartition topics would pass as
 * quiet with empty outputs. A partition with records and no committed offset is not consumed.
 */
public final class Quiescence {
    private static final String REPARTITION_SUFFIX = "-repartition";

    private Quiescence() {
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
        return await(admin, applicationId, inputs, producedEnds, outputs, null, settle, timeout);
    }

    /**
     * As {@link #await(Admin, String, List, Map, List, Duration, Duration)}, and not quiet while {@code expectedKeys}
     * (null: no such condition) still misses a key: an application that stops early, or has not emitted yet, must
     * not pass for one that has finished.
     */
    public static String await(Admin admin, String applicationId, List<String> inputs,
                               Map<TopicPartition, Long> producedEnds, List<String> outputs, OutputKeys expectedKeys,
                               Duration settle, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<TopicPartition, Long> lastOutputEnds = Map.of();
        long stableSince = System.nanoTime();
        String pending = "nothing checked yet";
        while (System.nanoTime() < deadline) {
            try {
                pending = unconsumed(admin, applicationId, inputs, producedEnds);
                Map<TopicPartition, Long> ends = endOffsets(admin, outputs);
                if (!ends.equals(lastOutputEnds)) {
                    lastOutputEnds = ends;
                    stableSince = System.nanoTime();
                }
                if (pending == null && expectedKeys != null) pending = expectedKeys.pending();
                if (pending == null) {
                    List<TopicPartition> open = OutputSnapshot.openTransactions(admin, outputs);
                    if (!open.isEmpty()) pending = "open transactions on " + open;
                    else if (System.nanoTime() - stableSince < settle.toNanos()) pending = "outputs still growing";
                    else return null;
                }
            } catch (ExecutionException e) {
                pending = "admin call failed: " + e.getCause();
            }
            Thread.sleep(250);
        }
        return pending;
    }

    /**
     * One look: null when the group {@code applicationId} has consumed every partition of {@code inputs} (and at
     * least up to {@code producedEnds}) and every partition of the application's repartition topics; else the first
     * partition found behind.
     */
    public static String unconsumed(Admin admin, String applicationId, List<String> inputs,
                                    Map<TopicPartition, Long> producedEnds)
            throws ExecutionException, InterruptedException {
        Map<TopicPartition, OffsetAndMetadata> committed =
                admin.listConsumerGroupOffsets(applicationId).partitionsToOffsetAndMetadata().get();
        Map<TopicPartition, Long> inputEnds = new HashMap<>(endOffsets(admin, inputs));
        producedEnds.forEach((tp, end) -> {
            if (inputs.contains(tp.topic())) inputEnds.merge(tp, end, Math::max);
        });
        for (TopicPartition tp : sorted(inputEnds.keySet())) {
            long end = inputEnds.get(tp);
            OffsetAndMetadata c = committed.get(tp);
            if (end > 0 && c == null) return "input " + tp + " not consumed yet (no committed offset, end " + end + ")";
            if (c != null && c.offset() < end) return "input " + tp + " at " + c.offset() + " of " + end;
        }
        Map<TopicPartition, Long> internalEnds = endOffsets(admin, repartitionTopics(admin, applicationId));
        for (TopicPartition tp : sorted(internalEnds.keySet())) {
            long end = internalEnds.get(tp);
            OffsetAndMetadata c = committed.get(tp);
            if (end > 0 && c == null) {
                return "repartition " + tp + " not consumed yet (no committed offset, end " + end + ")";
            }
            // under exactly-once the last offset is the commit marker of the last transaction, which the
            // committed position of a consumer that has read every record may stop short of
            if (c != null && c.offset() < end - 1) return "repartition " + tp + " at " + c.offset() + " of " + end;
        }
        return null;
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
