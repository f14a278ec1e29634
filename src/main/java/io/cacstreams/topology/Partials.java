package io.cacstreams.topology;

import io.cacstreams.config.AppConfig;
import io.cacstreams.internal.ChannelPartial;
import io.cacstreams.internal.Counts;
import io.cacstreams.internal.PartialKind;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Counts combined per (channel, bucket, settle) in a stage's task until they are flushed to the channel stage, each
 * to its channel; {@code ALL} gets one partial per (bucket, settle) of a flush, the sum over the channels (every
 * count is a sum, so that is exactly what the channels' copies added up to, in one record instead of one per
 * channel: the {@code ALL} task of the channel stage no longer takes a copy of all the others' input). Kept in a
 * state store, mirrored on the heap ({@link Mirrored}), so under exactly-once what was counted and the input offsets
 * commit together, and a crash before a flush loses nothing.
 *
 * <p>When the watermark moves, only the partials the channel stage may settle on it are due ({@link #flushDue}); the
 * others keep combining, so on a backlog a (channel, bucket, settle) goes out about once, not once per watermark
 * move. The emit interval's punctuation sends everything ({@link #flush}) for the live snapshots.
 */
final class Partials {
    private final Mirrored<Bytes, ChannelPartial> store;

    Partials(KeyValueStore<Bytes, ChannelPartial> store) {
        this.store = new Mirrored<>(store);
    }

    static Counts zero() {
        return new Counts(InputRulesFor.zero(), 0L, 0L, 0L, 0L, 0L, 0L);
    }

    /** A delta of the windowed counts and of the customer base, to be merged into the (channel, bucket, settle) one. */
    record Delta(Counts counts, long active, BigDecimal revenue, BigDecimal margin) {
        static Delta of(Counts counts) {
            return new Delta(counts, 0, InputRulesFor.zero(), InputRulesFor.zero());
        }
    }

    void add(String channel, long bucket, long settle, Delta d) {
        Bytes key = key(channel, bucket, settle);
        ChannelPartial p = store.get(key);
        if (p == null) p = empty(channel, bucket, settle);
        merge(p, d.counts(), d.active(), d.revenue(), d.margin());
        store.put(key, p);
    }

    private static ChannelPartial empty(String channel, long bucket, long settle) {
        return ChannelPartial.newBuilder().setKind(PartialKind.COUNTS).setChannel(channel).setBucket(bucket)
                .setSettle(settle).setCounts(zero()).setRevenueDelta(InputRulesFor.zero())
                .setMarginDelta(InputRulesFor.zero()).build();
    }

    static void merge(ChannelPartial into, Counts c, long active, BigDecimal revenue, BigDecimal margin) {
        ChannelWindows.add(into.getCounts(), c, 1);
        into.setActiveDelta(into.getActiveDelta() + active);
        into.setRevenueDelta(into.getRevenueDelta().add(revenue));
        into.setMarginDelta(into.getMarginDelta().add(margin));
    }

    /** Sends every partial on and forgets it. */
    void flush(ProcessorContext<String, Routed> context, long timestamp) {
        flushDue(context, timestamp, Long.MAX_VALUE);
    }

    /**
     * Sends on the partials settling before {@code before} (those the channel stage may settle once it has the
     * marker that follows) and forgets them: each to its channel, then one per (bucket, settle) to {@code ALL}.
     */
    void flushDue(ProcessorContext<String, Routed> context, long timestamp, long before) {
        List<Bytes> sent = new ArrayList<>();
        Map<BucketSettle, ChannelPartial> all = new TreeMap<>(BucketSettle.ORDER);
        for (Map.Entry<Bytes, ChannelPartial> e : store.all().entrySet()) {
            ChannelPartial p = e.getValue();
            if (p.getSettle() >= before) continue;
            context.forward(new Record<>(p.getChannel(), new Routed.Partial(p), timestamp));
            ChannelPartial blended = all.computeIfAbsent(new BucketSettle(p.getBucket(), p.getSettle()),
                    k -> empty(AppConfig.ALL, k.bucket(), k.settle()));
            merge(blended, p.getCounts(), p.getActiveDelta(), p.getRevenueDelta(), p.getMarginDelta());
            sent.add(e.getKey());
        }
        for (ChannelPartial p : all.values()) {
            context.forward(new Record<>(AppConfig.ALL, new Routed.Partial(p), timestamp));
        }
        sent.forEach(store::delete);
    }

    private record BucketSettle(long bucket, long settle) {
        static final Comparator<BucketSettle> ORDER = Comparator.comparingLong(BucketSettle::bucket)
                .thenComparingLong(BucketSettle::settle);
    }

    private static Bytes key(String channel, long bucket, long settle) {
        byte[] c = channel.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(ByteBuffer.allocate(c.length + 17).put(c).put((byte) 0).putLong(bucket).putLong(settle)
                .array());
    }
}
