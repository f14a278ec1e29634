package io.cacstreams.topology;

import io.cacstreams.internal.ChannelFact;
import io.cacstreams.internal.ChannelPartial;
import io.cacstreams.internal.CustomerEvent;
import io.cacstreams.internal.CustomerEventKind;
import io.cacstreams.internal.FactKind;
import io.cacstreams.internal.Origin;
import io.cacstreams.internal.PartialKind;
import org.apache.kafka.streams.processor.StreamPartitioner;

import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * PROGRESS markers: how far one source (an input partition or an upstream task) has been read, sent to every
 * partition of the next repartition topic after the records they cover (one producer per task, so a marker never
 * overtakes a record of its sender in any partition). See {@link Progress}.
 */
final class Markers {
    private Markers() {
    }

    static final StreamPartitioner<String, ChannelFact> FACTS = toAll(f -> f.getKind() == FactKind.PROGRESS);
    static final StreamPartitioner<String, CustomerEvent> CUSTOMER_EVENTS =
            toAll(e -> e.getKind() == CustomerEventKind.PROGRESS);
    static final StreamPartitioner<String, ChannelPartial> PARTIALS = toAll(p -> p.getKind() == PartialKind.PROGRESS);

    /** Records go where their key hashes; markers to every partition. */
    private static <V> StreamPartitioner<String, V> toAll(Predicate<V> marker) {
        return new StreamPartitioner<>() {
            @Override
            public Optional<Set<Integer>> partitions(String topic, String key, V value, int numPartitions) {
                if (value == null || !marker.test(value)) return Optional.empty();
                return Optional.of(IntStream.range(0, numPartitions).boxed().collect(Collectors.toSet()));
            }
        };
    }

    static String key(String source, int partition) {
        return "progress-" + source + "-" + partition;
    }

    private static Origin origin(String topic, int partition, Long clock) {
        return Origin.newBuilder().setTopic(topic).setPartition(partition).setOffset(-1)
                .setTimestamp(clock == null ? 0 : clock).build();
    }

    static Routed fact(String topic, int partition, Long clock, boolean idle) {
        return new Routed.Fact(ChannelFact.newBuilder().setKind(FactKind.PROGRESS).setEventId("").setChannel("")
                .setOccurredAt(clock == null ? 0 : clock).setOrigin(origin(topic, partition, clock))
                .setClock(clock == null ? 0 : clock).setHasClock(clock != null).setIdle(idle).build());
    }

    static Routed customer(String topic, int partition, Long clock, boolean idle) {
        return new Routed.Customer(CustomerEvent.newBuilder().setKind(CustomerEventKind.PROGRESS)
                .setEventId("").setCustomerId("").setOccurredAt(clock == null ? 0 : clock)
                .setOrigin(origin(topic, partition, clock))
                .setClock(clock == null ? 0 : clock).setHasClock(clock != null).setIdle(idle).build());
    }

    static ChannelPartial partial(String group, int partition, Long watermark, boolean idle) {
        return ChannelPartial.newBuilder().setKind(PartialKind.PROGRESS).setChannel("").setBucket(0).setSettle(0)
                .setCounts(Partials.zero()).setRevenueDelta(InputRulesFor.zero()).setMarginDelta(InputRulesFor.zero())
                .setSource(group + ":" + partition).setWatermark(watermark).setIdle(idle).build();
    }

    static String group(ChannelPartial marker) {
        return marker.getSource().substring(0, marker.getSource().indexOf(':'));
    }

    static int partition(ChannelPartial marker) {
        return Integer.parseInt(marker.getSource().substring(marker.getSource().indexOf(':') + 1));
    }
}
