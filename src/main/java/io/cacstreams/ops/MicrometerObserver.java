package io.cacstreams.ops;

import io.cacstreams.events.ChannelAlert;
import io.cacstreams.events.DeadLetterReason;
import io.cacstreams.topology.TopologyObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The topology's operational counters as Micrometer meters (served on {@code /metrics}): events consumed per input
 * topic, dead letters by topic and reason, late events, duplicates dropped, unusable fx rates and alert transitions.
 * Meters are created on a composite registry, so the topology can be built before the HTTP server exists. The figures
 * per channel and the alerts firing now are gauges of the query view instead ({@code io.cacstreams.query.ViewMetrics}):
 * read from the state this instance owns at scrape time, they stay true across rebalances and restarts.
 */
public final class MicrometerObserver implements TopologyObserver {
    private final CompositeMeterRegistry registry = new CompositeMeterRegistry();
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    /** Publishes every meter (existing and future) to {@code target}. */
    public void bindTo(MeterRegistry target) {
        registry.add(target);
    }

    private Counter counter(String name, String help, String... tags) {
        String key = name + String.join(",", tags);
        return counters.computeIfAbsent(key, k -> Counter.builder(name).description(help).tags(tags)
                .register(registry));
    }

    @Override
    public void consumed(String topic) {
        counter("cac_events_consumed", "Input records read, by topic (dead-lettered and duplicate ones included)",
                "topic", topic).increment();
    }

    @Override
    public void deadLettered(String topic, DeadLetterReason reason) {
        counter("cac_dead_letters", "Input records sent to the dead-letter topic, by source topic and reason",
                "topic", topic, "reason", reason.name()).increment();
        if (reason == DeadLetterReason.LATE) {
            counter("cac_late_events", "Events dead-lettered as LATE (older than any window still open), by topic",
                    "topic", topic).increment();
        }
    }

    @Override
    public void duplicate(String topic) {
        counter("cac_duplicates_dropped", "Input events dropped as copies of an event id already counted, by topic",
                "topic", topic).increment();
    }

    @Override
    public void invalidFxRate(String reason) {
        counter("cac_fx_rates_invalid", "fx-rates records that could not be used (logged, left in their topic)",
                "reason", reason).increment();
    }

    @Override
    public void alert(ChannelAlert a) {
        counter("cac_alert_transitions", "Alert transitions published (FIRING, change of severity, RESOLVED)",
                "rule", a.getRule().name(), "status", a.getStatus().name(), "severity", a.getSeverity().name())
                .increment();
    }
}
