package io.cacstreams.topology;

import io.cacstreams.internal.CustomerEvent;
import io.cacstreams.internal.CustomerEventKind;
import io.cacstreams.internal.Origin;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.StreamPartitioner;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Tells every customer partition how far this partition of the conversions topic has been read. Conversions are
 * repartitioned by customerId, so a customer task may receive nothing at all from some conversions partitions (when
 * the input is keyed by customerId too, the two hashings are correlated); without word from every partition it cannot
 * know when a held churn's conversion can no longer come (see {@link ConversionWatermark}). Passes every conversion on
 * unchanged and adds a {@link CustomerEventKind#PROGRESS} marker, sent to every partition by {@link #PARTITIONER},
 * whenever this partition's clock (largest occurredAt) enters a new bucket, and on a wall-clock interval when it has
 * moved since the last marker. Markers come after the conversions they cover in every partition they go to (one
 * producer per task), so a marker never overtakes a conversion.
 */
final class ConversionProgress implements Processor<String, CustomerEvent, String, CustomerEvent> {
    static final Duration INTERVAL = Duration.ofSeconds(10);
    /** Conversions go where their key hashes (as churns do); markers go to every partition. */
    static final StreamPartitioner<String, CustomerEvent> PARTITIONER = new StreamPartitioner<>() {
        @Override
        public Optional<Set<Integer>> partitions(String topic, String key, CustomerEvent value, int numPartitions) {
            if (value == null || value.getKind() != CustomerEventKind.PROGRESS) return Optional.empty();
            return Optional.of(IntStream.range(0, numPartitions).boxed().collect(Collectors.toSet()));
        }
    };

    private final String topic;
    private final long bucketMs;
    private ProcessorContext<String, CustomerEvent> context;
    private Long clock;
    private Long sent;

    /** @param topic the conversions topic (whose partition this task reads) */
    ConversionProgress(String topic, Duration bucket) {
        this.topic = topic;
        this.bucketMs = bucket.toMillis();
    }

    @Override
    public void init(ProcessorContext<String, CustomerEvent> context) {
        this.context = context;
        context.schedule(INTERVAL, PunctuationType.WALL_CLOCK_TIME, t -> {
            if (clock != null && !clock.equals(sent)) mark();
        });
    }

    @Override
    public void process(Record<String, CustomerEvent> record) {
        context.forward(record);
        long at = record.value().getOccurredAt();
        if (clock != null && at <= clock) return;
        boolean newBucket = clock == null || Math.floorDiv(at, bucketMs) > Math.floorDiv(clock, bucketMs);
        clock = at;
        if (newBucket) mark();
    }

    private void mark() {
        sent = clock;
        int partition = context.taskId().partition();
        Origin origin = Origin.newBuilder().setTopic(topic).setPartition(partition).setOffset(-1)
                .setTimestamp(clock).build();
        CustomerEvent marker = CustomerEvent.newBuilder().setKind(CustomerEventKind.PROGRESS)
                .setEventId("progress-" + partition).setCustomerId("").setOccurredAt(clock).setOrigin(origin).build();
        context.forward(new Record<>("progress-" + partition, marker, clock));
    }

    /** True for a marker (which carries no customer). */
    static boolean isMarker(CustomerEvent e) {
        return e.getKind() == CustomerEventKind.PROGRESS;
    }
}
