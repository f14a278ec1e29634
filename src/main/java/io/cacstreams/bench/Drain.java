package io.cacstreams.bench;

import io.cacstreams.verify.OutputSnapshot;
import io.cacstreams.verify.Quiescence;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

/**
 * When a run has written every output: the group has consumed every input partition (to the ends the bench's sends
 * reached) and every partition of every repartition topic of the application ({@link Quiescence#unconsumed}), no
 * transaction is open on the outputs, and the outputs have not grown for a settle period. The time of the end is
 * the later of the first look that found everything consumed and the last look that found the outputs grown:
 * looks are {@link #LOOK_EVERY} apart, which bounds the error.
 */
final class Drain {
    static final Duration LOOK_EVERY = Duration.ofMillis(250);

    private Drain() {
    }

    /** @return {@link System#nanoTime()} of the end */
    static long await(Admin admin, String applicationId, List<String> inputs, Map<TopicPartition, Long> producedEnds,
                      List<String> outputs, Duration settle, Duration timeout, ChildRun child)
            throws InterruptedException, ExecutionException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<TopicPartition, Long> lastEnds = Map.of();
        long grewAt = System.nanoTime();
        long consumedSince = -1;
        String pending = "nothing checked yet";
        while (System.nanoTime() < deadline) {
            child.checkAlive();
            long now = System.nanoTime();
            Map<TopicPartition, Long> ends = Quiescence.endOffsets(admin, outputs);
            if (!ends.equals(lastEnds)) {
                lastEnds = ends;
                grewAt = now;
            }
            pending = Quiescence.unconsumed(admin, applicationId, inputs, producedEnds);
            if (pending == null && !OutputSnapshot.openTransactions(admin, outputs).isEmpty()) {
                pending = "open transactions on the outputs";
            }
            if (pending != null) {
                consumedSince = -1;
            } else {
                if (consumedSince < 0) consumedSince = now;
                long end = Math.max(consumedSince, grewAt);
                if (System.nanoTime() - end >= settle.toNanos()) return end;
            }
            Thread.sleep(LOOK_EVERY.toMillis());
        }
        throw new IllegalStateException("not drained within " + timeout + ": " + pending + " (see " + child.log()
                + ")");
    }
}
