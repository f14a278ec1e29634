package io.cacstreams.verify;

import io.cacstreams.events.DeadLetterReason;
import io.cacstreams.generator.Fault;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What a {@link VerifyRun} found: what was produced, what came out, the restarts survived, and every mismatch between
 * the outputs and the independent recomputation. {@link #ok()} only without mismatches, with the application quiet
 * at the end and (soak) its memory bounded.
 */
public record VerifySummary(long produced, long good, long duplicatesSent, Map<Fault, Long> faults,
                            Map<DeadLetterReason, Long> deadLetters, int metricsChecked, List<String> mismatches,
                            long alertTransitions, int restarts, String pending, int instances, int kills,
                            List<String> excess, List<String> steps, List<Path> logs, List<Long> rssSamplesKb,
                            String rssVerdict, long oldBatchResent) {
    public boolean ok() {
        return mismatches.isEmpty() && pending == null && rssVerdict == null;
    }

    public void print(PrintStream out) {
        out.println("cac-streams verify");
        line(out, "events produced", produced);
        line(out, "  good events", good);
        line(out, "  duplicates re-sent", duplicatesSent);
        line(out, "    of which an old batch, last", oldBatchResent);
        faults.forEach((f, n) -> {
            if (f != Fault.NONE && f != Fault.DUPLICATE) line(out, "  bad: " + f, n);
        });
        deadLetters.forEach((r, n) -> line(out, "dead letters " + r, n));
        line(out, "metrics records checked", metricsChecked);
        line(out, "alert transitions seen", alertTransitions);
        line(out, "instances started", instances);
        line(out, "kills (kill -9)", kills);
        line(out, "restarts", restarts);
        if (!excess.isEmpty()) {
            line(out, "figures above expected (allowed)", excess.size());
            excess.stream().limit(20).forEach(m -> out.println("  EXCESS " + m));
        }
        if (!rssSamplesKb.isEmpty()) {
            out.printf(Locale.ROOT, "  %-34s %s%n", "child RSS samples (MiB)", rssSamplesKb.stream()
                    .map(k -> Long.toString(k / 1024)).collect(Collectors.joining(" ")));
            out.printf(Locale.ROOT, "  %-34s %s%n", "memory", rssVerdict == null ? "bounded" : rssVerdict);
        }
        line(out, "mismatches", mismatches.size() + (pending == null ? 0 : 1));
        if (pending != null) out.println("  NOT QUIET: " + pending);
        mismatches.stream().limit(50).forEach(m -> out.println("  MISMATCH " + m));
        out.println(ok() ? "RESULT: OK" : "RESULT: FAILED");
    }

    private static void line(PrintStream out, String label, long n) {
        out.printf(Locale.ROOT, "  %-34s %d%n", label, n);
    }
}
