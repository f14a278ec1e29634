package io.cacstreams.topology;

import io.cacstreams.internal.CustomerEvent;
import io.cacstreams.internal.CustomerEventKind;
import io.cacstreams.internal.Origin;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class ConversionProgressTest {
    private static final long HOUR = 3_600_000L;

    private static CustomerEvent conversion(String customer, long at) {
        return CustomerEvent.newBuilder().setKind(CustomerEventKind.CONVERSION).setEventId("e-" + customer)
                .setCustomerId(customer).setOccurredAt(at)
                .setOrigin(Origin.newBuilder().setTopic("conversions").setPartition(3).setOffset(1).setTimestamp(at).build())
                .build();
    }

    private static List<CustomerEvent> forwarded(MockProcessorContext<String, CustomerEvent> ctx) {
        return ctx.forwarded().stream().<CustomerEvent>map(f -> f.record().value()).toList();
    }

    @Test
    void passesConversionsOnAndMarksEveryNewBucketAndMovesOnTheInterval() {
        MockProcessorContext<String, CustomerEvent> ctx = new MockProcessorContext<>(new Properties(),
                new TaskId(1, 3), null);
        ctx.setRecordMetadata("conversions", 3, 10);
        ConversionProgress p = new ConversionProgress("conversions", Duration.ofHours(1));
        p.init(ctx);

        p.process(new Record<>("c1", conversion("c1", 10 * HOUR + 5), 0));
        p.process(new Record<>("c2", conversion("c2", 10 * HOUR + 9), 0));   // same bucket: no marker
        p.process(new Record<>("c3", conversion("c3", 9 * HOUR), 0));        // older: no marker
        p.process(new Record<>("c4", conversion("c4", 11 * HOUR + 1), 0));   // new bucket: marker
        List<CustomerEvent> out = forwarded(ctx);
        assertThat(out).extracting(CustomerEvent::getKind).containsExactly(CustomerEventKind.CONVERSION,
                CustomerEventKind.PROGRESS, CustomerEventKind.CONVERSION, CustomerEventKind.CONVERSION,
                CustomerEventKind.CONVERSION, CustomerEventKind.PROGRESS);
        assertThat(out.get(1).getOccurredAt()).isEqualTo(10 * HOUR + 5);
        assertThat(out.get(5).getOccurredAt()).isEqualTo(11 * HOUR + 1);
        assertThat(out.get(5).getOrigin().getPartition()).as("the input partition (the task's)").isEqualTo(3);
        assertThat(out.get(5).getOrigin().getTopic()).isEqualTo("conversions");

        ctx.resetForwards();
        p.process(new Record<>("c5", conversion("c5", 11 * HOUR + 30), 0));
        ctx.scheduledPunctuators().get(0).getPunctuator().punctuate(0);
        assertThat(forwarded(ctx)).extracting(CustomerEvent::getKind)
                .containsExactly(CustomerEventKind.CONVERSION, CustomerEventKind.PROGRESS);
        assertThat(forwarded(ctx).get(1).getOccurredAt()).as("the clock so far").isEqualTo(11 * HOUR + 30);
        assertThat(forwarded(ctx).get(1).getOrigin().getTopic()).as("also from a punctuation").isEqualTo("conversions");

        ctx.resetForwards();
        ctx.scheduledPunctuators().get(0).getPunctuator().punctuate(0);
        assertThat(ctx.forwarded()).as("nothing moved: no marker").isEmpty();
    }

    @Test
    void markersGoToEveryPartitionAndConversionsWhereTheirKeyHashes() {
        CustomerEvent marker = CustomerEvent.newBuilder(conversion("", 5)).setKind(CustomerEventKind.PROGRESS).build();
        assertThat(ConversionProgress.PARTITIONER.partitions("t", "progress-3", marker, 4))
                .contains(Set.of(0, 1, 2, 3));
        assertThat(ConversionProgress.PARTITIONER.partitions("t", "c1", conversion("c1", 5), 4))
                .as("default partitioning, as the churns get").isEqualTo(Optional.empty());
    }
}
