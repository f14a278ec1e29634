package io.cacstreams.topology;

import io.cacstreams.config.AppConfig;
import io.cacstreams.events.DeadLetterReason;
import io.cacstreams.internal.ChannelFact;
import io.cacstreams.internal.ChannelPartial;
import io.cacstreams.internal.Counts;
import io.cacstreams.internal.FactKind;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.StoreBuilder;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The bucket stage, keyed by (channel, bucket): copies of one spend or lead event (same channel, same occurredAt)
 * always meet here, so it is where they are de-duplicated ({@link EventIds}), and it counts what it accepts per
 * (channel, bucket, settle) ({@link Partials}). The channel stage then receives a few partials per flush instead of
 * one record per event, and no key carries more than one channel-hour of events. Partials are flushed on every
 * {@code cac.emit.interval} of wall-clock time, and those the watermark makes due whenever it moves; a PROGRESS
 * marker with the watermark follows every watermark move.
 */
final class BucketProcessor implements Processor<String, ChannelFact, String, Routed> {
    static final String GROUP = "bucket";
    private final Settling settling;
    private final Map<String, Integer> sources;
    private final boolean replays;
    private final Duration interval;
    private final TopologyObserver observer;
    private ProcessorContext<String, Routed> context;
    private EventIds ids;
    private Partials partials;
    private Progress progress;

    private BucketProcessor(AppConfig config, TopologyObserver observer) {
        this.settling = new Settling(config);
        this.sources = Map.of(config.topics().spend(), config.state().inputPartitions().spend(),
                config.topics().leads(), config.state().inputPartitions().leads());
        this.replays = atLeastOnce(config);
        this.interval = config.emitInterval();
        this.observer = observer;
    }

    static ProcessorSupplier<String, ChannelFact, String, Routed> supplier(AppConfig config,
                                                                           TopologyObserver observer) {
        // ordered: the stores are listed in this order in the topology's description (a golden test)
        Set<StoreBuilder<?>> stores = new LinkedHashSet<>(List.of(
                StoreFactory.kv(config, StoreNames.EVENT_IDS, Serdes.Bytes(), Serdes.String()),
                StoreFactory.kv(config, StoreNames.BUCKET_PARTIALS, Serdes.Bytes(),
                        StoreFactory.serde(ChannelPartial.class)),
                StoreFactory.kv(config, StoreNames.BUCKET_PROGRESS, Serdes.String(), Serdes.String())));
        return new ProcessorSupplier<>() {
            @Override
            public Processor<String, ChannelFact, String, Routed> get() {
                return new BucketProcessor(config, observer);
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return stores;
            }
        };
    }

    static boolean atLeastOnce(AppConfig config) {
        return StreamsConfig.AT_LEAST_ONCE.equals(config.kafka().getOrDefault(
                StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2));
    }

    /** The key of a fact on its way here: its channel and bucket. */
    static String key(String channel, long bucket) {
        return channel + "|" + bucket;
    }

    @Override
    public void init(ProcessorContext<String, Routed> context) {
        this.context = context;
        this.ids = new EventIds(context.getStateStore(StoreNames.EVENT_IDS), replays);
        this.partials = new Partials(context.getStateStore(StoreNames.BUCKET_PARTIALS));
        this.progress = new Progress(context.getStateStore(StoreNames.BUCKET_PROGRESS), sources);
        context.schedule(interval, PunctuationType.WALL_CLOCK_TIME, t -> partials.flush(context, timestamp()));
    }

    @Override
    public void process(Record<String, ChannelFact> record) {
        ChannelFact f = record.value();
        if (f.getKind() == FactKind.PROGRESS) {
            Long clock = f.getHasClock() ? f.getClock() : null;
            if (progress.update(f.getOrigin().getTopic(), f.getOrigin().getPartition(), clock, f.getIdle())) moved();
            return;
        }
        long bucket = settling.bucketStart(f.getOccurredAt());
        long settle = settling.settleStart(bucket, f.getClock());
        Long w = progress.watermark();
        // only after a partition was idle can the watermark be ahead of the clock a record was read at
        if (w != null) settle = Math.max(settle, settling.settledBefore(w));
        if (settling.late(bucket, settle)) {
            observer.deadLettered(f.getOrigin().getTopic(), DeadLetterReason.LATE);
            context.forward(new Record<>(null, DeadLetters.of(DeadLetterReason.LATE,
                    settling.lateDetail(f.getOccurredAt(), w == null ? f.getClock() : w) + " (the watermark passed it while its partition was"
                            + " idle)", f.getOrigin(), f.getEventId()), record.timestamp()));
            return;
        }
        String scope = f.getKind() == FactKind.SPEND ? "S" + f.getChannel() : "L" + f.getChannel();
        EventIds.Verdict v = ids.check(bucket, scope, f.getEventId(), EventIds.coordinates(f.getOrigin()),
                EventIds.read(context));
        if (v == EventIds.Verdict.DUPLICATE) {
            observer.duplicate(f.getOrigin().getTopic());
            return;
        }
        partials.add(f.getChannel(), bucket, settle, Partials.Delta.of(counts(f)));
    }

    private static Counts counts(ChannelFact f) {
        Counts c = Partials.zero();
        if (f.getKind() == FactKind.SPEND) {
            c.setSpend(f.getAmount());
        } else {
            c.setLeads(1L);
            if (f.getQualityScore() != null) {
                c.setQualitySum((long) f.getQualityScore());
                c.setQualityCount(1L);
            }
        }
        return c;
    }

    /** The watermark moved: forget what no copy can reach, send the partials now due, then the marker. */
    private void moved() {
        Long w = progress.watermark();
        if (w != null) ids.forgetThrough(settling.forgetThrough(w));
        partials.flushDue(context, timestamp(), w == null ? Long.MIN_VALUE : settling.settledBefore(w));
        int partition = context.taskId().partition();
        context.forward(new Record<>(Markers.key(GROUP, partition),
                new Routed.Partial(Markers.partial(GROUP, partition, w, progress.idle())), timestamp()));
    }

    private long timestamp() {
        return Math.max(0L, context.currentStreamTimeMs());
    }
}
