package io.cacstreams.runtime;

import io.cacstreams.events.DeadLetter;
import io.cacstreams.events.DeadLetterReason;
import io.cacstreams.serde.AvroCodec;
import io.cacstreams.serde.RegistryUnavailableException;
import io.cacstreams.serde.SchemaRegistryClient;
import io.cacstreams.config.RegistrySettings;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.processor.TaskId;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class OutputFailureHandlerTest {
    private final String scope = "out-" + UUID.randomUUID();

    private OutputFailureHandler handler() {
        OutputFailureHandler h = new OutputFailureHandler();
        h.configure(Map.of("cac.registry.url", "mock://" + scope, "bootstrap.servers", "x:1"));
        return h;
    }

    private static final ErrorHandlerContext CONTEXT = new ErrorHandlerContext() {
        public String topic() { return "conversions"; }
        public int partition() { return 3; }
        public long offset() { return 42; }
        public Headers headers() { return new RecordHeaders(); }
        public String processorNodeId() { return "metrics-sink"; }
        public TaskId taskId() { return new TaskId(2, 3); }
        public long timestamp() { return 1_700_000_000_000L; }
        public byte[] sourceRawKey() { return new byte[]{7}; }
        public byte[] sourceRawValue() { return new byte[]{0, 1, 2}; }
    };

    @Test
    void aRecordTheBrokerRefusesIsSkippedNotRetriedForever() {
        var record = new ProducerRecord<byte[], byte[]>("channel-metrics", new byte[]{1}, new byte[]{2});
        ProductionExceptionHandler.Response r = handler().handleError(CONTEXT, record,
                new RecordTooLargeException("too big"));
        assertThat(r.result()).isEqualTo(ProductionExceptionHandler.Result.RESUME);
        assertThat(r.deadLetterQueueRecords()).isEmpty();
    }

    @Test
    void anOutputThatCannotBeSerializedBecomesADeadLetterAndProcessingResumes() throws Exception {
        var record = new ProducerRecord<byte[], byte[]>("channel-metrics", new byte[]{1}, new byte[]{2});
        ProductionExceptionHandler.Response r = handler().handleSerializationError(CONTEXT, record,
                new SerializationException("too big"), ProductionExceptionHandler.SerializationExceptionOrigin.VALUE);
        assertThat(r.result()).isEqualTo(ProductionExceptionHandler.Result.RESUME);
        assertThat(r.deadLetterQueueRecords()).hasSize(1);
        ProducerRecord<byte[], byte[]> dlq = r.deadLetterQueueRecords().get(0);
        assertThat(dlq.topic()).isEqualTo("cac-dead-letter");
        var codec = new AvroCodec<>(SchemaRegistryClient.create(RegistrySettings.mock(scope)), DeadLetter.class,
                false, true);
        DeadLetter letter = codec.decode("cac-dead-letter", dlq.value());
        assertThat(letter.getReason()).isEqualTo(DeadLetterReason.OUTPUT_FAILED);
        assertThat(letter.getDetail()).contains("channel-metrics").contains("too big");
        assertThat(letter.getSourceTopic()).isEqualTo("conversions");
        assertThat(letter.getSourcePartition()).isEqualTo(3);
        assertThat(letter.getSourceOffset()).isEqualTo(42);
        assertThat(letter.getValue().array()).containsExactly(0, 1, 2);
    }

    @Test
    void aRegistryOutageOrRetriableErrorFailsTheTaskSoTheInputIsRetriedNotLost() {
        var record = new ProducerRecord<byte[], byte[]>("channel-metrics", null, null);
        assertThat(handler().handleSerializationError(CONTEXT, record,
                new RegistryUnavailableException("down", -1, null),
                ProductionExceptionHandler.SerializationExceptionOrigin.VALUE).result())
                .isEqualTo(ProductionExceptionHandler.Result.FAIL);
        assertThat(handler().handleError(CONTEXT, record, new TimeoutException("slow")).result())
                .isEqualTo(ProductionExceptionHandler.Result.FAIL);
        // not about this record: never skipped, or exactly-once would commit past a lost record
        assertThat(handler().handleError(CONTEXT, record, new org.apache.kafka.common.KafkaException("broker gone"))
                .result()).isEqualTo(ProductionExceptionHandler.Result.FAIL);
        assertThat(handler().handleSerializationError(CONTEXT, record, new SerializationException("bad schema"),
                ProductionExceptionHandler.SerializationExceptionOrigin.VALUE).result())
                .isEqualTo(ProductionExceptionHandler.Result.RESUME);
    }
}
