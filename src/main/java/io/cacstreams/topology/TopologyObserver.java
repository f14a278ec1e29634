package io.cacstreams.topology;

import io.cacstreams.events.ChannelAlert;
import io.cacstreams.events.ChannelMetrics;
import io.cacstreams.events.DeadLetterReason;

/**
 * Operational counters the topology reports (the runtime binds them to Micrometer). Called on stream threads; under
 * exactly-once a record retried after a crash is reported again, so these are for operations, not for accounting.
 */
public interface TopologyObserver {
    TopologyObserver NONE = new TopologyObserver() {
    };

    default void consumed(String topic) {
    }

    default void deadLettered(String topic, DeadLetterReason reason) {
    }

    default void duplicate(String topic) {
    }

    /** An fx-rates record that could not be used (it is logged, and stays in its topic). */
    default void invalidFxRate(String reason) {
    }

    default void metrics(ChannelMetrics metrics) {
    }

    default void alert(ChannelAlert alert) {
    }
}
