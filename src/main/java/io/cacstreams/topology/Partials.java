package io.cacstreams.topology;

import io.cacstreams.config.AppConfig;
import io.cacstreams.internal.ChannelPartial;
import io.cacstreams.internal.Counts;
import io.cacstreams.internal.PartialKind;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Counts combined per (channel, bucket, settle) in a stage's task until they are flushed to the channel stage, each
 * to its channel and again to {@code ALL}. Kept in a state store (cached), so under exactly-once what was counted and
 * the input offsets commit together, and a crash before a flush loses nothing.
 */
final class Partials {
    private final KeyValueStore<Bytes, ChannelPartial> store;

    Partials(KeyValueStore<Bytes, ChannelPartial> store) {
        this.store = store;
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
        if (p == null) {
            p = ChannelPartial.newBuilder().setKind(PartialKind.COUNTS).setChannel(channel).setBucket(bucket)
                    .setSettle(settle).setCounts(zero()).setRevenueDelta(InputRulesFor.zero())
                    .setMarginDelta(InputRulesFor.zero()).build();
        }
        merge(p, d.counts(), d.active(), d.revenue(), d.margin());
        store.put(key, p);
    }

    static void merge(ChannelPartial into, Counts c, long active, BigDecimal revenue, BigDecimal margin) {
        ChannelWindows.add(into.getCounts(), c, 1);
        into.setActiveDelta(into.getActiveDelta() + active);
        into.setRevenueDelta(into.getRevenueDelta().add(revenue));
        into.setMarginDelta(into.getMarginDelta().add(margin));
    }

    /** Sends every partial on (to its channel and to ALL) and forgets it. */
    void flush(ProcessorContext<String, Routed> context, long timestamp) {
        List<KeyValue<Bytes, ChannelPartial>> all = new ArrayList<>();
        try (KeyValueIterator<Bytes, ChannelPartial> it = store.all()) {
            while (it.hasNext()) all.add(it.next());
        }
        for (KeyValue<Bytes, ChannelPartial> kv : all) {
            ChannelPartial p = kv.value;
            context.forward(new Record<>(p.getChannel(), new Routed.Partial(p), timestamp));
            ChannelPartial blended = ChannelPartial.newBuilder(p).setChannel(AppConfig.ALL).build();
            context.forward(new Record<>(AppConfig.ALL, new Routed.Partial(blended), timestamp));
            store.delete(kv.key);
        }
    }

    private static Bytes key(String channel, long bucket, long settle) {
        byte[] c = channel.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(ByteBuffer.allocate(c.length + 17).put(c).put((byte) 0).putLong(bucket).putLong(settle)
                .array());
    }
}
