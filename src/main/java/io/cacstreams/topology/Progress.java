package io.cacstreams.topology;

import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * How far a stage's upstream sources have been read: one clock per source (an input partition, or an upstream
 * task), told by the PROGRESS markers each source sends to every partition after the records they cover. The
 * <em>watermark</em> is the lowest clock of the sources that are not idle; it never goes back. A source not heard
 * from yet holds it back (when the source count of its group is known), as does a source that has delivered nothing
 * but is not idle yet; when every source is idle, the highest clock counts. Idleness is decided by the sender (no
 * input for {@code cac.idle.timeout} of wall-clock time), so every receiver sees the same markers in the same order.
 */
final class Progress {
    private static final String WATERMARK = "~watermark";
    private final KeyValueStore<String, String> store;
    private final Map<String, Integer> expected;
    private final Map<String, Map<Integer, Source>> sources = new HashMap<>();
    private Long watermark;
    private boolean idle;

    private record Source(Long clock, boolean idle) {
        String encode() {
            return (clock == null ? "" : clock.toString()) + "|" + idle;
        }

        static Source decode(String s) {
            int bar = s.indexOf('|');
            String c = s.substring(0, bar);
            return new Source(c.isEmpty() ? null : Long.parseLong(c), Boolean.parseBoolean(s.substring(bar + 1)));
        }
    }

    /** @param expected the number of sources of each group (0: not known; then only sources heard from count) */
    Progress(KeyValueStore<String, String> store, Map<String, Integer> expected) {
        this.store = store;
        this.expected = new TreeMap<>(expected);
        try (KeyValueIterator<String, String> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<String, String> kv = it.next();
                if (kv.key.equals(WATERMARK)) {
                    Source w = Source.decode(kv.value);
                    watermark = w.clock();
                    idle = w.idle();
                } else if (!kv.key.startsWith("~")) { // "~...": the owning stage's own entries
                    int hash = kv.key.lastIndexOf('#');
                    sources.computeIfAbsent(kv.key.substring(0, hash), g -> new TreeMap<>())
                            .put(Integer.parseInt(kv.key.substring(hash + 1)), Source.decode(kv.value));
                }
            }
        }
    }

    /** Takes a marker; true when the watermark or the all-idle state changed. */
    boolean update(String group, int partition, Long clock, boolean idleNow) {
        Map<Integer, Source> g = sources.computeIfAbsent(group, k -> new TreeMap<>());
        Source old = g.get(partition);
        Long c = old == null ? null : old.clock();
        if (clock != null && (c == null || clock > c)) c = clock;
        Source now = new Source(c, idleNow);
        if (now.equals(old)) return false;
        g.put(partition, now);
        store.put(group + "#" + partition, now.encode());
        Long w = lowest(expected.keySet());
        Long next = watermark;
        if (w != null && (next == null || w > next)) next = w;
        boolean allIdle = allIdle();
        if (Objects.equals(next, watermark) && allIdle == idle) return false;
        watermark = next;
        idle = allIdle;
        store.put(WATERMARK, new Source(watermark, idle).encode());
        return true;
    }

    /** The watermark over every group, or null while there is none. */
    Long watermark() {
        return watermark;
    }

    /** Every source is known and idle. */
    boolean idle() {
        return idle;
    }

    /** The lowest clock of the active sources of {@code groups} (not monotonic), or null if held back or unknown. */
    Long lowest(Collection<String> groups) {
        Long min = null;
        Long max = null;
        boolean active = false;
        for (String group : groups) {
            Map<Integer, Source> g = sources.getOrDefault(group, Map.of());
            int n = expected.getOrDefault(group, 0);
            if (n > 0 && g.size() < n) return null;
            for (Map.Entry<Integer, Source> e : g.entrySet()) {
                if (n > 0 && e.getKey() >= n) continue;
                Source s = e.getValue();
                if (s.clock() != null) max = max == null ? s.clock() : Math.max(max, s.clock());
                if (s.idle()) continue;
                if (s.clock() == null) return null;
                active = true;
                min = min == null ? s.clock() : Math.min(min, s.clock());
            }
        }
        return active ? min : max;
    }

    private boolean allIdle() {
        for (String group : expected.keySet()) {
            Map<Integer, Source> g = sources.getOrDefault(group, Map.of());
            int n = expected.get(group);
            if (n > 0 && g.size() < n) return false;
            if (g.isEmpty()) return false;
            for (Source s : g.values()) if (!s.idle()) return false;
        }
        return true;
    }
}
