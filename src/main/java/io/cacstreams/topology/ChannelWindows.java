package io.cacstreams.topology;

import io.cacstreams.config.AppConfig;
import io.cacstreams.internal.ChannelPartial;
import io.cacstreams.internal.ChannelState;
import io.cacstreams.internal.Counts;
import io.cacstreams.internal.WindowTotals;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Rolling windows over time buckets with one running total per window length, moved one settled bucket at a time.
 * Settling bucket B subtracts, per window, the one bucket that left it, then adds the partials settling at B to
 * their bucket and to every window covering that bucket: O(number of windows + partials), whatever the window length
 * or bucket size. A bucket is deleted once it left the longest window.
 */
final class ChannelWindows {
    private final Mirrored<Bytes, Counts> buckets;
    private final long size;
    private final long[] lengths;
    private final long longest;

    ChannelWindows(KeyValueStore<Bytes, Counts> buckets, AppConfig config) {
        this.buckets = new Mirrored<>(buckets);
        this.size = config.bucket().toMillis();
        this.lengths = config.windows().stream().mapToLong(Duration::toMillis).toArray();
        this.longest = config.longestWindow().toMillis();
    }

    /** First bucket of a window of {@code length} whose last bucket is {@code current}. */
    long firstBucket(long current, long length) {
        return current - length + size;
    }

    static Counts zero() {
        return Partials.zero();
    }

    /** A channel with nothing settled yet, rolled to the bucket before {@code first}. */
    ChannelState fresh(String channel, long first) {
        List<WindowTotals> totals = new ArrayList<>();
        for (long l : lengths) totals.add(new WindowTotals(l, zero()));
        return ChannelState.newBuilder().setChannel(channel).setFirstSpendBucket(Long.MAX_VALUE)
                .setCurrentBucket(first - size).setActive(0L).setActiveRevenue(InputRulesFor.zero())
                .setActiveMargin(InputRulesFor.zero()).setDirty(false).setFirstBucket(Long.MAX_VALUE)
                .setWindows(totals).build();
    }

    /** Recomputes the totals from the buckets if the configured windows changed since the state was written. */
    void reconcile(ChannelState st) {
        List<WindowTotals> w = st.getWindows();
        boolean same = w.size() == lengths.length;
        for (int i = 0; same && i < lengths.length; i++) same = w.get(i).getLengthMs() == lengths[i];
        if (same) return;
        List<WindowTotals> rebuilt = new ArrayList<>();
        for (long l : lengths) {
            Counts sum = zero();
            for (Counts c : range(st.getChannel(), firstBucket(st.getCurrentBucket(), l), st.getCurrentBucket())) {
                add(sum, c, 1);
            }
            rebuilt.add(new WindowTotals(l, sum));
        }
        st.setWindows(rebuilt);
    }

    /** Moves the totals from the previous bucket to {@code bucket}: the oldest bucket of each window leaves it. */
    void step(ChannelState st, long bucket) {
        for (WindowTotals w : st.getWindows()) {
            Counts leaving = buckets.get(BucketKeys.of(st.getChannel(), bucket - w.getLengthMs()));
            if (leaving != null) add(w.getTotals(), leaving, -1);
        }
        buckets.delete(BucketKeys.of(st.getChannel(), bucket - longest));
        st.setCurrentBucket(bucket);
    }

    /** Applies a partial settling at the current bucket: its bucket, the windows covering it, the customer base. */
    void apply(ChannelState st, ChannelPartial p) {
        long current = st.getCurrentBucket();
        long b = p.getBucket();
        Counts c = p.getCounts();
        if (b > current - longest) {
            Bytes key = BucketKeys.of(st.getChannel(), b);
            Counts stored = buckets.get(key);
            if (stored == null) stored = zero();
            add(stored, c, 1);
            buckets.put(key, stored);
            for (WindowTotals w : st.getWindows()) {
                if (b >= firstBucket(current, w.getLengthMs())) add(w.getTotals(), c, 1);
            }
        }
        st.setActive(st.getActive() + p.getActiveDelta());
        st.setActiveRevenue(st.getActiveRevenue().add(p.getRevenueDelta()));
        st.setActiveMargin(st.getActiveMargin().add(p.getMarginDelta()));
        st.setFirstBucket(Math.min(st.getFirstBucket(), b));
        if (c.getSpend().signum() > 0) st.setFirstSpendBucket(Math.min(st.getFirstSpendBucket(), b));
    }

    /** The totals of every window as they would be at {@code current}, with {@code provisional} partials added. */
    List<Counts> provisional(ChannelState st, long current, List<ChannelPartial> provisional) {
        List<Counts> out = new ArrayList<>();
        for (WindowTotals w : st.getWindows()) {
            Counts t = zero();
            add(t, w.getTotals(), 1);
            long length = w.getLengthMs();
            long settled = st.getCurrentBucket();
            // buckets that left the window between the settled bucket and current
            long from = firstBucket(settled, length);
            long to = Math.min(firstBucket(current, length) - size, settled);
            for (Counts c : range(st.getChannel(), from, to)) add(t, c, -1);
            for (ChannelPartial p : provisional) {
                if (p.getBucket() >= firstBucket(current, length) && p.getBucket() <= current) {
                    add(t, p.getCounts(), 1);
                }
            }
            out.add(t);
        }
        return out;
    }

    private Collection<Counts> range(String channel, long from, long to) {
        if (to < from) return List.of();
        return buckets.range(BucketKeys.of(channel, from), BucketKeys.of(channel, to)).values();
    }

    static void add(Counts into, Counts c, int sign) {
        BigDecimal s = sign > 0 ? into.getSpend().add(c.getSpend()) : into.getSpend().subtract(c.getSpend());
        into.setSpend(s);
        into.setLeads(into.getLeads() + sign * c.getLeads());
        into.setQualitySum(into.getQualitySum() + sign * c.getQualitySum());
        into.setQualityCount(into.getQualityCount() + sign * c.getQualityCount());
        into.setNewCustomers(into.getNewCustomers() + sign * c.getNewCustomers());
        into.setChurned(into.getChurned() + sign * c.getChurned());
        into.setChurnedNew(into.getChurnedNew() + sign * c.getChurnedNew());
    }
}
