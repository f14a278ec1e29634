package io.cacstreams.topology;

import io.cacstreams.config.AppConfig;
import io.cacstreams.events.DeadLetterReason;
import io.cacstreams.internal.Origin;
import io.cacstreams.serde.AvroCodec;
import io.cacstreams.serde.DecodeException;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;

import java.nio.ByteBuffer;

/**
 * First stage of every input topic: decode the Confluent-wire-format bytes (writer schema resolved against ours),
 * validate (including an occurredAt in the future beyond {@code cac.max.future.skew}, which would otherwise drag
 * stream time forward and make every later event LATE), judge lateness against this stage's stream time (when it keeps a clock), convert currency, and hand on
 * the result keyed for the next stage; everything that fails goes to the dead-letter topic with the original bytes.
 */
final class InputProcessor<T extends SpecificRecord> implements Processor<byte[], byte[], String, Routed> {
    private final AvroCodec<T> codec;
    private final InputRules<T> rules;
    private final String clockStore;
    private final AppConfig config;
    private final TopologyObserver observer;
    private ProcessorContext<String, Routed> context;
    private StreamClock clock;
    private FxRates fx;

    /** @param clockStore the store keeping this stage's stream time for the LATE verdict, or null for none */
    InputProcessor(AvroCodec<T> codec, InputRules<T> rules, String clockStore, AppConfig config,
                   TopologyObserver observer) {
        this.codec = codec;
        this.rules = rules;
        this.clockStore = clockStore;
        this.config = config;
        this.observer = observer;
    }

    @Override
    public void init(ProcessorContext<String, Routed> context) {
        this.context = context;
        this.fx = new FxRates(context.getStateStore(StoreNames.FX_RATES), config);
        if (clockStore != null) {
            KeyValueStore<String, Long> store = context.getStateStore(clockStore);
            this.clock = new StreamClock(store);
        }
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        Origin origin = origin(record);
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
        long latestAllowed = context.currentSystemTimeMs() + config.maxFutureSkew().toMillis();
        if (at > latestAllowed) {
            dead(DeadLetterReason.INVALID_FIELD, "occurredAt " + java.time.Instant.ofEpochMilli(at)
                    + " is more than cac.max.future.skew ahead of the processing time", origin, eventId,
                    record.timestamp());
            return;
        }
        if (clock != null) {
            if (clock.isLate(at, config)) {
                dead(DeadLetterReason.LATE, clock.lateDetail(at, config), origin, eventId, record.timestamp());
                return;
            }
            clock.advance(at);
        }
        InputRules.Accepted accepted = rules.accept(event, origin, fx);
        if (accepted.rejection() != null) {
            dead(accepted.rejection().reason(), accepted.rejection().detail(), origin, eventId, record.timestamp());
            return;
        }
        for (InputRules.Keyed out : accepted.outputs()) {
            context.forward(new Record<>(out.key(), out.value(), at));
        }
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
