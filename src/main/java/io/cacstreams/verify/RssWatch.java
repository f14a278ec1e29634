package io.cacstreams.verify;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * The soak's memory check: samples the resident set size of the child JVM every interval (Linux {@code /proc}), and
 * judges whether it levels off ({@link #verdict}).
 */
final class RssWatch {
    /** Allowed growth of the lower-quartile RSS from the middle third of the samples to the last third. */
    static final double GROWTH_FACTOR = 1.10;
    static final long GROWTH_SLACK_KB = 24 * 1024;

    private final List<Long> samplesKb = Collections.synchronizedList(new ArrayList<>());
    private final Thread sampler;

    private RssWatch(ChildApp app, Duration interval, PrintStream log) {
        sampler = new Thread(() -> sample(app, interval, log), "rss-sampler");
        sampler.setDaemon(true);
    }

    /** Starts sampling {@code app} every {@code interval}, logging each sample. */
    static RssWatch start(ChildApp app, Duration interval, PrintStream log) {
        RssWatch w = new RssWatch(app, interval, log);
        w.sampler.start();
        return w;
    }

    void stop() throws InterruptedException {
        sampler.interrupt();
        sampler.join(10_000);
    }

    List<Long> samplesKb() {
        return List.copyOf(samplesKb);
    }

    private void sample(ChildApp app, Duration interval, PrintStream log) {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                Thread.sleep(interval.toMillis());
                long kb = rssKb(app.pid());
                if (kb > 0) {
                    samplesKb.add(kb);
                    log.printf(Locale.ROOT, "  rss %d MiB%n", kb / 1024);
                }
            }
        } catch (InterruptedException e) {
            // soak over
        }
    }

    /** VmRSS of process {@code pid} in KiB, from /proc (Linux); -1 if unknown. */
    static long rssKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    /**
     * Null if the resident set size levels off: the lower quartile of the last third of the samples is at most 10%
     * plus 24 MiB above that of the middle third (the first third is start-up and warm-up). Else why not. A quartile,
     * not the median: a leak lifts the floor, while a passing spike (a large JIT compilation's native memory, freed
     * and trimmed within seconds) lifts only the samples it covers.
     */
    static String verdict(List<Long> samplesKb) {
        if (samplesKb.size() < 6) return "too few RSS samples (" + samplesKb.size() + ") to judge memory growth";
        int third = samplesKb.size() / 3;
        long middle = lowerQuartile(samplesKb.subList(third, 2 * third));
        long last = lowerQuartile(samplesKb.subList(samplesKb.size() - third, samplesKb.size()));
        long limit = (long) (middle * GROWTH_FACTOR) + GROWTH_SLACK_KB;
        if (last <= limit) return null;
        return String.format(Locale.ROOT, "RSS keeps growing: lower quartile of the last third %d MiB > %d MiB (middle"
                + " third %d MiB + 10%% + 24 MiB)", last / 1024, limit / 1024, middle / 1024);
    }

    private static long lowerQuartile(List<Long> xs) {
        List<Long> s = new ArrayList<>(xs);
        s.sort(null);
        return s.get(s.size() / 4);
    }
}
