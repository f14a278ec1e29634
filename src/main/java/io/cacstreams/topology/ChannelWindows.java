package io.cacstreams.topology;

import io.cacstreams.config.AppConfig;
import io.cacstreams.internal.ChannelState;
import io.cacstreams.internal.Counts;
import io.cacstreams.internal.WindowTotals;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Rolling windows over time buckets with one running total per window length. An event touches its bucket and the
 * totals of the windows covering it: O(number of windows), whatever the window length or bucket size. Moving to a new
 * bucket subtracts, per window, the buckets that left it (each bucket leaves each window once) and deletes buckets
 * older than the longest window.
 */
final class ChannelWindows {
    private final KeyValueStore<Bytes, Counts> buckets;
    private final long size;
    private final long[] lengths;
    private final long longest;

    ChannelWindows(KeyValueStore<Bytes, Counts> buckets, AppConfig config) {
        this.buckets = buckets;
        this.size = config.bucket().toMillis();
        this.lengths = config.windows().stream().mapToLong(Duration::toMillis).toArray();
        this.longest = config.longestWindow().toMillis();
    }

    long bucketStart(long t) {
        return Math.floorDiv(t, size) * size;
    }

    /** First bucket of a window of {@code length} whose last bucket is {@code current}. */
    long firstBucket(long current, long length) {
        return current - length + size;
    }

    static Counts zero() {
        return new Counts(InputRulesFor.zero(), 0L, 0L, 0L, 0L, 0L, 0L);
    }

    ChannelState fresh(String channel, long current) {
        List<WindowTotals> totals = new ArrayList<>();
        for (long l : lengths) totals.add(new WindowTotals(l, zero()));
        return new ChannelState(channel, Long.MAX_VALUE, current, 0L, InputRulesFor.zero(), InputRulesFor.zero(), false,
                totals);
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
            scan(st.getChannel(), firstBucket(st.getCurrentBucket(), l), st.getCurrentBucket(),
                    (b, c) -> add(sum, c, 1));
            rebuilt.add(new WindowTotals(l, sum));
        }
        st.setWindows(rebuilt);
    }

    /** Moves the totals forward to the bucket starting at {@code current}. */
    void roll(ChannelState st, long current) {
        long old = st.getCurrentBucket();
        if (current <= old) return;
        List<WindowTotals> windows = st.getWindows();
        for (WindowTotals w : windows) {
            long oldFirst = firstBucket(old, w.getLengthMs());
            long newFirst = firstBucket(current, w.getLengthMs());
            scan(st.getChannel(), oldFirst, Math.min(newFirst - size, old), (b, c) -> add(w.getTotals(), c, -1));
        }
        List<Bytes> expired = new ArrayList<>();
        scan(st.getChannel(), Long.MIN_VALUE / 2, firstBucket(current, longest) - size,
                (b, c) -> expired.add(BucketKeys.of(st.getChannel(), b)));
        expired.forEach(buckets::delete);
        st.setCurrentBucket(current);
    }

    /** Applies {@code change} to the bucket of {@code at} and to every window covering it; nothing if none does. */
    void add(ChannelState st, long at, Consumer<Counts> change) {
        long b = bucketStart(at);
        long current = st.getCurrentBucket();
        if (b < firstBucket(current, longest) || b > current) return;
        Bytes key = BucketKeys.of(st.getChannel(), b);
        Counts c = buckets.get(key);
        if (c == null) c = zero();
        change.accept(c);
        buckets.put(key, c);
        for (WindowTotals w : st.getWindows()) {
            if (b >= firstBucket(current, w.getLengthMs())) change.accept(w.getTotals());
        }
    }

    private void scan(String channel, long from, long to, BucketVisitor visitor) {
        if (to < from) return;
        List<KeyValue<Bytes, Counts>> found = new ArrayList<>();
        try (KeyValueIterator<Bytes, Counts> it = buckets.range(BucketKeys.of(channel, from), BucketKeys.of(channel, to))) {
            while (it.hasNext()) found.add(it.next());
        }
        for (KeyValue<Bytes, Counts> kv : found) visitor.visit(BucketKeys.bucketStart(kv.key), kv.value);
    }

    private interface BucketVisitor {
        void visit(long bucketStart, Counts counts);
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
