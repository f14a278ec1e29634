package io.cacstreams.topology;

import io.cacstreams.events.ChannelAlert;
import io.cacstreams.events.ChannelMetrics;
import io.cacstreams.events.DeadLetter;
import io.cacstreams.internal.ChannelFact;
import io.cacstreams.internal.ChannelPartial;
import io.cacstreams.internal.CustomerEvent;

/** What a processor of the topology hands on: the topology splits the stream by alternative. */
public sealed interface Routed {

    record Fact(ChannelFact fact) implements Routed {
    }

    record Customer(CustomerEvent event) implements Routed {
    }

    record Partial(ChannelPartial partial) implements Routed {
    }

    record Dead(byte[] key, DeadLetter letter) implements Routed {
    }

    record Metric(ChannelMetrics metrics) implements Routed {
    }

    record Alert(ChannelAlert alert) implements Routed {
    }
}
