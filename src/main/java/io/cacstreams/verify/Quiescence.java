package io.cacstreams.verify;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;

/**
 * Waits until a cac-streams application has processed everything: its consumer group has committed the end of every
 * input partition (and of its repartition topics, allowing for the transaction marker that ends them), the output
 * topics have stopped growing for a settle period, and no transaction is left open on them.
 */
public final class Quiescence {
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
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<TopicPartition, Long> lastOutputEnds = Map.of();
        long stableSince = System.nanoTime();
        String pending = "nothing checked yet";
        while (System.nanoTime() < deadline) {
            try {
                pending = lag(admin, applicationId, inputs, producedEnds);
                Map<TopicPartition, Long> ends = endOffsets(admin, outputs);
                if (!ends.equals(lastOutputEnds)) {
                    lastOutputEnds = ends;
                    stableSince = System.nanoTime();
                }
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

    private static String lag(Admin admin, String group, List<String> inputs, Map<TopicPartition, Long> producedEnds)
            throws ExecutionException, InterruptedException {
        Map<TopicPartition, OffsetAndMetadata> committed =
                admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        Map<TopicPartition, Long> inputEnds = new HashMap<>(endOffsets(admin, inputs));
        producedEnds.forEach((tp, end) -> {
            if (inputs.contains(tp.topic())) inputEnds.merge(tp, end, Math::max);
        });
        Map<TopicPartition, Long> internalEnds = endOffsets(admin, committed.keySet().stream()
                .map(TopicPartition::topic).filter(t -> t.startsWith(group + "-")).distinct().toList());
        for (Map.Entry<TopicPartition, Long> e : inputEnds.entrySet()) {
            OffsetAndMetadata c = committed.get(e.getKey());
            long at = c == null ? 0 : c.offset();
            if (e.getValue() > 0 && at < e.getValue()) return "input " + e.getKey() + " at " + at + " of " + e.getValue();
        }
        for (Map.Entry<TopicPartition, Long> e : internalEnds.entrySet()) {
            OffsetAndMetadata c = committed.get(e.getKey());
            long at = c == null ? 0 : c.offset();
            if (at < e.getValue() - 1) return "repartition " + e.getKey() + " at " + at + " of " + e.getValue();
        }
        return null;
    }

    static Map<TopicPartition, Long> endOffsets(Admin admin, List<String> topics)
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
