package io.cacstreams.ops;

import io.cacstreams.events.AlertStatus;
import io.cacstreams.events.ChannelAlert;
import io.cacstreams.events.ChannelMetrics;
import io.cacstreams.events.DeadLetterReason;
import io.cacstreams.topology.TopologyObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The topology's operational counters as Micrometer meters (served on {@code /metrics}): events consumed per input
 * topic, dead letters by topic and reason, duplicates dropped, late events, alert transitions, alerts firing now
 * (on this instance), and per (channel, window) gauges of CAC, LTV, LTV:CAC and payback (NaN while undefined).
 * Meters are created on a composite registry, so the topology can be built before the HTTP server exists.
 */
public final class MicrometerObserver implements TopologyObserver {
    private final CompositeMeterRegistry registry = new CompositeMeterRegistry();
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, AtomicReference<ChannelMetrics>> latest = new ConcurrentHashMap<>();
    private final Set<String> firing = ConcurrentHashMap.newKeySet();

    public MicrometerObserver() {
        Gauge.builder("cac_alerts_firing", firing, Set::size)
                .description("Alerts firing now, on this instance").register(registry);
    }

    /** Publishes every meter (existing and future) to {@code target}. */
    public void bindTo(MeterRegistry target) {
        registry.add(target);
    }

    private Counter counter(String name, String... tags) {
        String key = name + String.join(",", tags);
        return counters.computeIfAbsent(key, k -> Counter.builder(name).tags(tags).register(registry));
    }

    @Override
    public void consumed(String topic) {
        counter("cac_events_consumed", "topic", topic).increment();
    }

    @Override
    public void deadLettered(String topic, DeadLetterReason reason) {
        counter("cac_dead_letters", "topic", topic, "reason", reason.name()).increment();
        if (reason == DeadLetterReason.LATE) counter("cac_late_events", "topic", topic).increment();
    }

    @Override
    public void duplicate(String topic) {
        counter("cac_duplicates_dropped", "topic", topic).increment();
    }

    @Override
    public void invalidFxRate(String reason) {
        counter("cac_fx_rates_invalid", "reason", reason).increment();
    }

    @Override
    public void alert(ChannelAlert a) {
        counter("cac_alert_transitions", "rule", a.getRule().name(), "status", a.getStatus().name(),
                "severity", a.getSeverity().name()).increment();
        if (a.getStatus() == AlertStatus.FIRING) firing.add(a.getDedupKey());
        else firing.remove(a.getDedupKey());
    }

    @Override
    public void metrics(ChannelMetrics m) {
        String key = m.getChannel() + "|" + m.getWindowDays();
        AtomicReference<ChannelMetrics> ref = latest.computeIfAbsent(key, k -> {
            AtomicReference<ChannelMetrics> r = new AtomicReference<>();
            String window = m.getWindowDays() + "d";
            gauge("cac_channel_cac", r, m.getChannel(), window, x -> x.getCac());
            gauge("cac_channel_ltv", r, m.getChannel(), window, x -> x.getLtv());
            gauge("cac_channel_ltv_to_cac", r, m.getChannel(), window, x -> x.getLtvToCac());
            gauge("cac_channel_cac_payback_months", r, m.getChannel(), window, x -> x.getCacPaybackMonths());
            return r;
        });
        ref.set(m);
    }

    private void gauge(String name, AtomicReference<ChannelMetrics> ref, String channel, String window,
                       java.util.function.Function<ChannelMetrics, Double> value) {
        Gauge.builder(name, ref, r -> {
            ChannelMetrics m = r.get();
            Double v = m == null ? null : value.apply(m);
            return v == null ? Double.NaN : v;
        }).tags("channel", channel, "window", window).register(registry);
    }
}
