package io.cacstreams.topology;

import io.cacstreams.config.AppConfig;
import io.cacstreams.events.DeadLetterReason;
import io.cacstreams.internal.Origin;
import io.cacstreams.serde.AvroCodec;
import io.cacstreams.serde.DecodeException;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.StoreBuilder;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;

/**
 * First stage of every input topic: decode the Confluent-wire-format bytes (writer schema resolved against ours),
 * validate (including an occurredAt in the future beyond {@code cac.max.future.skew}, which would otherwise drag the
 * partition's clock forward and make every later event LATE), keep the partition's clock (largest occurredAt), judge
 * spend and leads LATE against it ({@link Settling}), convert currency, and hand on the result keyed for the next
 * stage with the clock it was read at; everything that fails goes to the dead-letter topic with the original bytes.
 * Every {@code cac.emit.interval} of wall-clock time it sends a PROGRESS marker with its clock, marked idle when the
 * partition delivered nothing for {@code cac.idle.timeout}.
 */
final class InputProcessor<T extends SpecificRecord> implements Processor<byte[], byte[], String, Routed> {
    private final AvroCodec<T> codec;
    private final InputRules<T> rules;
    private final String clockStore;
    private final boolean lateApplies;
    private final Settling settling;
    private final Duration maxFutureSkew;
    private final Duration interval;
    private final long idleMs;
    private final TopologyObserver observer;
    private final AppConfig config;
    private final String topic;
    private ProcessorContext<String, Routed> context;
    private StreamClock clock;
    private FxRates fx;
    private long lastInputWallClock;
    private String lastMarked;

    private InputProcessor(AvroCodec<T> codec, InputRules<T> rules, String clockStore, boolean lateApplies,
                           AppConfig config, TopologyObserver observer) {
        this.codec = codec;
        this.rules = rules;
        this.clockStore = clockStore;
        this.lateApplies = lateApplies;
        this.settling = new Settling(config);
        this.maxFutureSkew = config.maxFutureSkew();
        this.interval = config.emitInterval();
        this.idleMs = config.state().idleTimeout().toMillis();
        this.observer = observer;
        this.config = config;
        this.topic = rules.topicOf(config);
    }

    /**
     * @param clockStore  the store of this stage's partition clock (named after the topic's role)
     * @param lateApplies whether events can be LATE (spend and leads; conversions and churns are never LATE)
     */
    static <T extends SpecificRecord> ProcessorSupplier<byte[], byte[], String, Routed> supplier(
            AvroCodec<T> codec, InputRules<T> rules, String clockStore, boolean lateApplies, AppConfig config,
            TopologyObserver observer) {
        StoreBuilder<?> store = StoreFactory.kv(config, clockStore, Serdes.String(), Serdes.Long());
        return new ProcessorSupplier<>() {
            @Override
            public Processor<byte[], byte[], String, Routed> get() {
                return new InputProcessor<>(codec, rules, clockStore, lateApplies, config, observer);
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return Set.of(store);
            }
        };
    }

    @Override
    public void init(ProcessorContext<String, Routed> context) {
        this.context = context;
        this.fx = new FxRates(context.getStateStore(StoreNames.FX_RATES), config);
        this.clock = new StreamClock(context.getStateStore(clockStore));
        this.lastInputWallClock = context.currentSystemTimeMs();
        this.lastMarked = null;
        context.schedule(interval, PunctuationType.WALL_CLOCK_TIME, this::mark);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        Origin origin = origin(record);
        lastInputWallClock = context.currentSystemTimeMs();
        observer.consumed(origin.getTopic());
        T event;
        try {
            event = codec.decode(origin.getTopic(), record.value());
        } catch (DecodeException e) {
            origin.setSchemaId(e.schemaId());
            dead(e.reason(), e.getMessage(), origin, null, record.timestamp());
            return;
        }
        origin.setSchemaId(AvroCodec.schemaIdOf(record.value()));
        String eventId = rules.eventId(event);
        InputRules.Rejection invalid = rules.validate(event);
        if (invalid != null) {
            dead(invalid.reason(), invalid.detail(), origin, eventId, record.timestamp());
            return;
        }
        long at = rules.occurredAt(event);
        long latestAllowed = context.currentSystemTimeMs() + maxFutureSkew.toMillis();
        if (at > latestAllowed) {
            dead(DeadLetterReason.INVALID_FIELD, "occurredAt " + Instant.ofEpochMilli(at)
                    + " is more than cac.max.future.skew ahead of the processing time", origin, eventId,
                    record.timestamp());
            return;
        }
        long readAt = clock.now() == null ? at : Math.max(clock.now(), at);
        long bucket = settling.bucketStart(at);
        if (lateApplies && settling.late(bucket, settling.settleStart(bucket, readAt))) {
            dead(DeadLetterReason.LATE, settling.lateDetail(at, readAt), origin, eventId, record.timestamp());
            return;
        }
        clock.advance(at);
        InputRules.Accepted accepted = rules.accept(event, origin, fx);
        if (accepted.rejection() != null) {
            dead(accepted.rejection().reason(), accepted.rejection().detail(), origin, eventId, record.timestamp());
            return;
        }
        for (InputRules.Keyed out : accepted.outputs()) {
            String key = out.key();
            if (out.value() instanceof Routed.Fact f) {
                f.fact().setClock(readAt);
                key = BucketProcessor.key(key, bucket);
            } else if (out.value() instanceof Routed.Customer c) {
                c.event().setClock(readAt);
            }
            context.forward(new Record<>(key, out.value(), at));
        }
    }

    /**
     * The punctuation: tell the next stage how far this partition has been read, when that changed since the last
     * marker (the first one always goes; a quiet partition sends nothing more once it said it is idle, so the
     * repartition topics drain).
     */
    private void mark(long wallClock) {
        int partition = context.taskId().partition();
        boolean idle = wallClock - lastInputWallClock > idleMs;
        Long c = clock.now();
        String state = c + "|" + idle;
        if (state.equals(lastMarked)) return;
        lastMarked = state;
        context.forward(new Record<>(Markers.key(topic, partition), rules.progress(topic, partition, c, idle),
                c == null ? wallClock : c));
    }

    private void dead(DeadLetterReason reason, String detail, Origin origin, String eventId, long timestamp) {
        observer.deadLettered(origin.getTopic(), reason);
        context.forward(new Record<>(null, DeadLetters.of(reason, detail, origin, eventId), timestamp));
    }

    private Origin origin(Record<byte[], byte[]> record) {
        RecordMetadata meta = context.recordMetadata().orElseThrow();
        return Origin.newBuilder()
                .setTopic(meta.topic())
                .setPartition(meta.partition())
                .setOffset(meta.offset())
                .setTimestamp(record.timestamp())
                .setKey(record.key() == null ? null : ByteBuffer.wrap(record.key()))
                .setValue(record.value() == null ? null : ByteBuffer.wrap(record.value()))
                .build();
    }
}
