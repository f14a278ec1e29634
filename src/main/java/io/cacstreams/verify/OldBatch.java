package io.cacstreams.verify;

import io.cacstreams.generator.Fault;
import io.cacstreams.generator.GeneratedEvent;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The old batch of {@code verify} (issue 8): once every other event is produced, a share of the good events produced
 * earlier is sent again, unchanged (same key, eventId, occurredAt and content), in their original order, as an
 * upstream connector that restarted and replayed a few weeks of events would. Each must be counted once: the
 * expected figures see them as {@link Fault#DUPLICATE}s.
 *
 * <p>They are picked among the events at least {@link #MIN_AGE} older than the newest event (beyond the 7 days an
 * eventId used to be remembered for; half the span on a shorter run) and at most {@link #MAX_AGE} older, well inside
 * the horizon in which events are accepted (the longest window plus the grace, 91 days by default): older ones
 * would be dead-lettered as LATE rather than de-duplicated.
 */
public final class OldBatch {
    public static final Duration MIN_AGE = Duration.ofDays(8);
    public static final Duration MAX_AGE = Duration.ofDays(60);

    private OldBatch() {
    }

    /**
     * @param events  the events produced so far, in production order (fx rates, bad records and re-sends are
     *                never picked)
     * @param share   how many to re-send, as a share of the good events among {@code events} (0: none)
     * @param fxTopic the fx rates topic, whose records are not events
     * @return the re-sends, marked {@link Fault#DUPLICATE}, in their original order
     */
    public static List<GeneratedEvent> pick(List<GeneratedEvent> events, double share, long seed, String fxTopic) {
        if (share < 0 || share > 1) throw new IllegalArgumentException("old batch share must be in [0, 1]: " + share);
        List<Integer> good = new ArrayList<>();
        long oldest = Long.MAX_VALUE;
        long newest = Long.MIN_VALUE;
        for (int i = 0; i < events.size(); i++) {
            GeneratedEvent e = events.get(i);
            if (e.fault() != Fault.NONE || e.topic().equals(fxTopic)) continue;
            good.add(i);
            oldest = Math.min(oldest, e.occurredAt());
            newest = Math.max(newest, e.occurredAt());
        }
        int wanted = (int) Math.round(share * good.size());
        if (wanted == 0) return List.of();
        long minAge = Math.min(MIN_AGE.toMillis(), (newest - oldest) / 2);
        long from = newest - MAX_AGE.toMillis();
        long to = newest - minAge;
        List<Integer> candidates = new ArrayList<>();
        for (int i : good) {
            long at = events.get(i).occurredAt();
            if (at >= from && at <= to) candidates.add(i);
        }
        Collections.shuffle(candidates, new Random(seed));
        List<Integer> chosen = new ArrayList<>(candidates.subList(0, Math.min(wanted, candidates.size())));
        Collections.sort(chosen);
        List<GeneratedEvent> out = new ArrayList<>(chosen.size());
        for (int i : chosen) {
            GeneratedEvent e = events.get(i);
            out.add(new GeneratedEvent(e.topic(), e.key(), e.value(), e.occurredAt(), Fault.DUPLICATE));
        }
        return out;
    }
}
