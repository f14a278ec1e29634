package io.cacstreams.report;

import java.util.ArrayList;
import java.util.List;

/**
 * The true LTV:CAC of one (channel, window), one value per step: {@code values[i]} is the ratio of the window ending
 * at {@code start + i * step} ({@code NaN} where undefined, e.g. a channel without spend).
 */
public record TruthSeries(long start, long step, double[] values) {
    public TruthSeries {
        if (step <= 0) throw new IllegalArgumentException("step must be > 0");
        values = values.clone();
    }

    /** When the series ends: the time of its last value. */
    public long end() {
        return time(values.length - 1);
    }

    public long time(int i) {
        return start + i * step;
    }

    /**
     * Maximal runs of values below {@code level}: from the first value below to the first value not below after it
     * ({@code NaN} is not below). A run still below at the last value is {@linkplain Episode#ongoing() ongoing} and
     * ends there; one below at the first value {@linkplain Episode#fromStart() started} no later than that.
     */
    public List<Episode> runsBelow(double level) {
        List<Episode> out = new ArrayList<>();
        int from = -1;
        for (int i = 0; i < values.length; i++) {
            boolean below = values[i] < level;
            if (below && from < 0) from = i;
            if (!below && from >= 0) {
                out.add(new Episode(time(from), time(i), from == 0, false));
                from = -1;
            }
        }
        if (from >= 0) out.add(new Episode(time(from), end(), from == 0, true));
        return out;
    }

    /** The lowest value at the times in {@code [from, to]}; {@code NaN} if none is defined there. */
    public double minOver(long from, long to) {
        double min = Double.NaN;
        for (int i = 0; i < values.length; i++) {
            long t = time(i);
            if (t < from || t > to || Double.isNaN(values[i])) continue;
            if (Double.isNaN(min) || values[i] < min) min = values[i];
        }
        return min;
    }

    /**
     * A stretch of time in which the true ratio is below a level.
     *
     * @param start     the first time below
     * @param end       the first time back at or above it, or the end of the series when {@code ongoing}
     * @param fromStart below already at the series' first value (e.g. when a window stops warming up): it may have
     *                  begun earlier
     * @param ongoing   still below at the series' last value
     */
    public record Episode(long start, long end, boolean fromStart, boolean ongoing) {
        public long duration() {
            return end - start;
        }
    }
}
