package io.cacstreams.runtime;

import io.cacstreams.config.AppConfig;
import io.cacstreams.events.DeadLetter;
import io.cacstreams.events.DeadLetterReason;
import io.cacstreams.serde.AvroCodec;
import io.cacstreams.serde.RegistryUnavailableException;
import io.cacstreams.serde.SchemaRegistryClient;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What happens when a record fails on its way out (serialization or production), using Kafka Streams' dead-letter
 * support in exception handlers (KIP-1034):
 * <ul>
 * <li>a registry outage or a retriable broker error: FAIL, so the task is closed, its transaction aborted, and the
 * stream thread replaced: the input is processed again later, nothing is lost (see {@link StreamsRuntime}'s
 * uncaught-exception policy);</li>
 * <li>a serialization failure (a schema the registry refuses...): RESUME with an OUTPUT_FAILED dead letter that
 * names the output topic and the error and carries the input record that caused it, so one bad output can not
 * crash-loop the application;</li>
 * <li>a record the broker refuses (too large...): RESUME, logged (see {@link #handleError}).</li>
 * </ul>
 * Configured through the Streams properties, which carry the application's own {@code cac.*} settings.
 */
public final class OutputFailureHandler implements ProductionExceptionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(OutputFailureHandler.class);
    private String deadLetterTopic;
    private AvroCodec<DeadLetter> codec;

    @Override
    public void configure(Map<String, ?> configs) {
        Map<String, String> cac = new TreeMap<>();
        configs.forEach((k, v) -> {
            if (k.startsWith("cac.") && v != null) cac.put(k, v.toString());
        });
        AppConfig config = AppConfig.from(cac);
        this.deadLetterTopic = config.topics().deadLetter();
        this.codec = new AvroCodec<>(SchemaRegistryClient.create(config.registry()), DeadLetter.class, false,
                config.registry().autoRegister());
    }

    /**
     * A send the broker refused. Kafka Streams calls this on the producer's I/O thread, where sending a dead letter to
     * a topic the producer has no metadata for yet blocks that very thread for max.block.ms (seen: 60 s, then the task
     * fails), so no dead letter is attempted here: the record is skipped, with an error log naming the topic, the
     * input coordinates and the cause.
     */
    @Override
    public Response handleError(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record,
                                Exception exception) {
        if (!refusesThisRecordForGood(exception)) return Response.fail();
        LOG.error("A record for {} was refused by the broker and is skipped ({}); input {}-{}@{}", record.topic(),
                exception.toString(), context.topic(), context.partition(), context.offset());
        return Response.resume();
    }

    @Override
    public Response handleSerializationError(ErrorHandlerContext context, ProducerRecord record, Exception exception,
                                             SerializationExceptionOrigin origin) {
        if (causedByOutage(exception)) return Response.fail();
        return deadLetter(context, record.topic(), exception);
    }

    private Response deadLetter(ErrorHandlerContext context, String outputTopic, Exception exception) {
        if (deadLetterTopic.equals(outputTopic)) {
            LOG.error("A dead letter could not be written to {}; it is skipped: {}", outputTopic, exception.toString());
            return Response.resume();
        }
        LOG.error("A record for {} could not be written ({}); sent to {} as OUTPUT_FAILED", outputTopic,
                exception.toString(), deadLetterTopic);
        try {
            DeadLetter letter = DeadLetter.newBuilder()
                    .setReason(DeadLetterReason.OUTPUT_FAILED)
                    .setDetail("writing to " + outputTopic + " failed: " + exception)
                    .setSourceTopic(context.topic() == null ? "(punctuation)" : context.topic())
                    .setSourcePartition(context.partition())
                    .setSourceOffset(context.offset())
                    .setSourceTimestamp(Instant.ofEpochMilli(Math.max(0, context.timestamp())))
                    .setKey(wrap(context.sourceRawKey()))
                    .setValue(wrap(context.sourceRawValue()))
                    .build();
            byte[] value = codec.encode(deadLetterTopic, letter);
            return Response.resume(List.of(new ProducerRecord<>(deadLetterTopic, context.sourceRawKey(), value)));
        } catch (RuntimeException e) {
            if (causedByOutage(e)) return Response.fail();
            LOG.error("The OUTPUT_FAILED dead letter could not be built either: {}", e.toString());
            return Response.resume();
        }
    }

    /**
     * Only errors about this one record, which no retry can cure, may skip it; anything else (a broker restart, a
     * fenced producer, a timeout) fails the task so that exactly-once aborts and re-processes instead of losing data.
     */
    static boolean refusesThisRecordForGood(Exception e) {
        return e instanceof org.apache.kafka.common.errors.RecordTooLargeException
                || e instanceof org.apache.kafka.common.errors.RecordBatchTooLargeException
                || e instanceof org.apache.kafka.common.errors.InvalidTimestampException
                || e instanceof org.apache.kafka.common.InvalidRecordException;
    }

    private static boolean causedByOutage(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof RegistryUnavailableException || c instanceof RetriableException) return true;
        }
        return false;
    }

    private static ByteBuffer wrap(byte[] b) {
        return b == null ? null : ByteBuffer.wrap(b);
    }
}
