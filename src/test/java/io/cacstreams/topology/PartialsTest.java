package io.cacstreams.topology;

import io.cacstreams.config.AppConfig;
import io.cacstreams.internal.ChannelPartial;
import io.cacstreams.internal.Counts;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

class PartialsTest {
    private static final long HOUR = 3_600_000L;

    private final MockProcessorContext<String, Routed> context = new MockProcessorContext<>();
    private final KeyValueStore<Bytes, ChannelPartial> store = store();

    private KeyValueStore<Bytes, ChannelPartial> store() {
        KeyValueStore<Bytes, ChannelPartial> s = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("p"),
                Serdes.Bytes(), StoreFactory.serde(ChannelPartial.class)).withLoggingDisabled().build();
        s.init(context.getStateStoreContext(), s);
        return s;
    }

    private static Partials.Delta leads(long n, String spend) {
        Counts c = Partials.zero();
        c.setLeads(n);
        c.setSpend(new BigDecimal(spend));
        return Partials.Delta.of(c);
    }

    private static String spend(ChannelPartial p) {
        return p.getCounts().getSpend().stripTrailingZeros().toPlainString();
    }

    private List<ChannelPartial> forwarded() {
        List<ChannelPartial> out = context.forwarded().stream()
                .map(f -> ((Routed.Partial) f.record().value()).partial()).toList();
        context.resetForwards();
        return out;
    }

    @Test
    void onAWatermarkMoveOnlyThePartialsDueGoAndAllGetsOneSumPerBucketAndSettle() {
        Partials partials = new Partials(store);
        partials.add("paid", HOUR, HOUR, leads(2, "10"));
        partials.add("paid", HOUR, HOUR, leads(1, "5"));
        partials.add("email", HOUR, HOUR, leads(4, "1.5"));
        partials.add("email", 2 * HOUR, 2 * HOUR, leads(3, "0"));
        partials.add("paid", HOUR, 3 * HOUR, leads(7, "0"));

        partials.flushDue(context, 0, 3 * HOUR);
        List<ChannelPartial> sent = forwarded();
        assertThat(sent).extracting(ChannelPartial::getChannel, ChannelPartial::getBucket, ChannelPartial::getSettle,
                        p -> p.getCounts().getLeads(), PartialsTest::spend)
                .containsExactly(
                        tuple("email", HOUR, HOUR, 4L, "1.5"),
                        tuple("email", 2 * HOUR, 2 * HOUR, 3L, "0"),
                        tuple("paid", HOUR, HOUR, 3L, "15"),
                        tuple(AppConfig.ALL, HOUR, HOUR, 7L, "16.5"),
                        tuple(AppConfig.ALL, 2 * HOUR, 2 * HOUR, 3L, "0"));

        partials.flush(context, 0);
        assertThat(forwarded()).extracting(ChannelPartial::getChannel, ChannelPartial::getSettle,
                        p -> p.getCounts().getLeads())
                .containsExactly(tuple("paid", 3 * HOUR, 7L),
                        tuple(AppConfig.ALL, 3 * HOUR, 7L));
        partials.flush(context, 0);
        assertThat(forwarded()).as("each partial goes once").isEmpty();
    }

    @Test
    void whatIsHeldIsInTheStoreSoARestartedTaskSendsIt() {
        Partials partials = new Partials(store);
        partials.add("paid", HOUR, 5 * HOUR, leads(2, "1"));
        partials.flushDue(context, 0, 5 * HOUR);
        assertThat(forwarded()).isEmpty();

        Partials restarted = new Partials(store);
        restarted.flush(context, 0);
        assertThat(forwarded()).extracting(ChannelPartial::getChannel, p -> p.getCounts().getLeads())
                .containsExactly(tuple("paid", 2L),
                        tuple(AppConfig.ALL, 2L));
        assertThat(store.approximateNumEntries()).isZero();
    }
}
