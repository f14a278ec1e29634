package io.cacstreams.bench;

import io.cacstreams.verify.Quiescence;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * When a run has written every output ({@link Quiescence#settle}): the group has consumed every input partition (to
 * the ends the bench's sends reached) and every partition of every repartition topic of the application, no
 * transaction is open on the outputs, and the outputs have not grown for a settle period. The end is the later of the
 * last look that saw the outputs grow and the time as of which everything was found consumed; looks are
 * {@code Quiescence.LOOK_EVERY} (250 ms) apart, which bounds the error.
 */
final class Drain {
    /** How often a long wait says what it is waiting for. */
    static final Duration REPORT_EVERY = Duration.ofSeconds(30);

    private Drain() {
    }

    /**
     * @param settings the run's settings (its application id, processing guarantee and commit interval)
     * @param log      where a long wait says, every {@link #REPORT_EVERY}, what it is waiting for
     * @return the {@link System#nanoTime()} of the end
     */
    static long await(Admin admin, Map<String, String> settings, List<String> inputs,
                      Map<TopicPartition, Long> producedEnds, List<String> outputs, Duration settle, Duration timeout,
                      ChildRun child, PrintStream log) throws InterruptedException {
        Quiescence.Watch watch = new Quiescence.Watch(admin, settings.get("application.id"), inputs, producedEnds,
                Quiescence.lagFor(settings));
        long began = System.nanoTime();
        long[] nextReport = {began + REPORT_EVERY.toNanos()};
        Quiescence.Settled s = Quiescence.settle(watch, outputs, null, settle, timeout, pending -> {
            child.checkAlive();
            long now = System.nanoTime();
            if (now >= nextReport[0]) {
                nextReport[0] = now + REPORT_EVERY.toNanos();
                log.printf(Locale.ROOT, "    +%.0f s: %s%n", (now - began) / 1e9, pending == null ? "consumed" : pending);
            }
        });
        if (s.pending() != null) {
            throw new IllegalStateException("not drained within " + timeout + ": " + s.pending() + " (see "
                    + child.log() + ")");
        }
        return Math.max(s.outputsChangedAt(), s.consumedAsOf());
    }
}
