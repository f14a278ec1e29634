package io.cacstreams.query;

import io.cacstreams.config.AppConfig;
import io.cacstreams.events.AlertRule;
import io.cacstreams.events.AlertSeverity;
import io.cacstreams.events.ChannelAlert;
import io.cacstreams.events.ChannelMetrics;
import io.cacstreams.serde.SchemaRegistryClient;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The figures and open alerts as Prometheus gauges, read from this instance's part of the query view
 * ({@link MetricsViewTopology}'s stores of its active tasks) at every scrape. So each (channel, window) is exported by
 * the one instance that owns it now, and by no other after a rebalance (summing over instances never double-counts),
 * and the open alerts are what the store holds, also right after a restart (it is restored from its changelog):
 * <ul>
 *   <li>{@code cac_channel_spend}, {@code cac_channel_cac}, {@code cac_channel_ltv} (money, labelled with the
 *       {@code currency}), {@code cac_channel_ltv_to_cac}, {@code cac_channel_ltv_to_cac_target},
 *       {@code cac_channel_cac_payback_months}, {@code cac_channel_new_customers},
 *       {@code cac_channel_monthly_churn_ratio}, labelled {@code channel} and {@code window}: the latest figures
 *       (NaN while undefined);</li>
 *   <li>{@code cac_alerts_firing{rule, severity}}: how many alerts this instance owns that are firing now (every
 *       rule and severity is exported, 0 included, so {@code sum(cac_alerts_firing)} always has a value);</li>
 *   <li>{@code cac_alert_open{rule, channel, window, severity}} = 1 for each of them.</li>
 * </ul>
 * While the stores cannot be read (starting, restoring), none of these is exported: absent, not wrong.
 */
public final class ViewMetrics implements MultiCollector {
    private static final Logger log = LoggerFactory.getLogger(ViewMetrics.class);

    private record Figure(String name, String help, boolean money, Function<ChannelMetrics, Number> value) {
    }

    private static final List<Figure> FIGURES = List.of(
            new Figure("cac_channel_spend", "Acquisition spend in the window, in the reporting currency", true,
                    ChannelMetrics::getSpend),
            new Figure("cac_channel_cac", "Customer acquisition cost: spend / new customers in the window", true,
                    ChannelMetrics::getCac),
            new Figure("cac_channel_ltv", "Customer lifetime value (ARPU x margin over churn, see docs/semantics.md)",
                    true, ChannelMetrics::getLtv),
            new Figure("cac_channel_ltv_to_cac", "LTV:CAC of the window (NaN while undefined)", false,
                    ChannelMetrics::getLtvToCac),
            new Figure("cac_channel_cac_payback_months", "Months until a new customer pays back its CAC", false,
                    ChannelMetrics::getCacPaybackMonths),
            new Figure("cac_channel_new_customers", "New customers acquired in the window", false,
                    ChannelMetrics::getNewCustomers),
            new Figure("cac_channel_monthly_churn_ratio", "Churn rate normalised to a month (0..1)", false,
                    ChannelMetrics::getMonthlyChurnRate));

    private final AppConfig config;
    private final LocalViews views;

    private ViewMetrics(AppConfig config, LocalViews views) {
        this.config = config;
        this.views = views;
    }

    /** Exports this instance's part of the view of {@code streams} on {@code registry}'s scrapes. */
    public static void register(PrometheusMeterRegistry registry, AppConfig config, SchemaRegistryClient schemas,
                                KafkaStreams streams) {
        registry.getPrometheusRegistry().register(new ViewMetrics(config,
                new LocalViews(streams, schemas, config.topics())));
    }

    @Override
    public MetricSnapshots collect() {
        List<ChannelMetrics> latest;
        List<ChannelAlert> open;
        try {
            latest = views.latest();
            open = views.openAlerts();
        } catch (ApiException notReadable) {
            log.debug("query view not readable for this scrape: {}", notReadable.getMessage());
            return MetricSnapshots.of();
        } catch (RuntimeException e) {
            log.warn("query view not readable for this scrape", e);
            return MetricSnapshots.of();
        }
        List<MetricSnapshot> out = new ArrayList<>();
        for (Figure f : FIGURES) {
            GaugeSnapshot.Builder g = GaugeSnapshot.builder().name(f.name()).help(f.help());
            for (ChannelMetrics m : latest) {
                Labels labels = Labels.of("channel", m.getChannel(), "window", m.getWindowDays() + "d");
                if (f.money()) labels = labels.add("currency", m.getReportingCurrency());
                g.dataPoint(point(labels, f.value().apply(m)));
            }
            out.add(g.build());
        }
        GaugeSnapshot.Builder target = GaugeSnapshot.builder().name("cac_channel_ltv_to_cac_target")
                .help("The LTV:CAC the channel should stay at or above (cac.alert.threshold, per-channel overrides)");
        for (ChannelMetrics m : latest) {
            target.dataPoint(point(Labels.of("channel", m.getChannel(), "window", m.getWindowDays() + "d"),
                    config.alertsFor(m.getChannel()).threshold()));
        }
        out.add(target.build());
        out.addAll(alerts(open));
        return new MetricSnapshots(out);
    }

    private static List<MetricSnapshot> alerts(List<ChannelAlert> open) {
        Map<AlertRule, Map<AlertSeverity, Integer>> counts = new EnumMap<>(AlertRule.class);
        for (AlertRule rule : AlertRule.values()) {
            Map<AlertSeverity, Integer> bySeverity = new EnumMap<>(AlertSeverity.class);
            for (AlertSeverity severity : AlertSeverity.values()) bySeverity.put(severity, 0);
            counts.put(rule, bySeverity);
        }
        GaugeSnapshot.Builder each = GaugeSnapshot.builder().name("cac_alert_open")
                .help("1 for each alert firing now, owned by this instance");
        Map<String, ChannelAlert> unique = new LinkedHashMap<>();
        for (ChannelAlert a : open) unique.put(a.getDedupKey(), a);
        for (ChannelAlert a : unique.values()) {
            counts.get(a.getRule()).merge(a.getSeverity(), 1, Integer::sum);
            each.dataPoint(point(Labels.of("rule", a.getRule().name(), "channel", a.getChannel(),
                    "window", a.getWindowDays() + "d", "severity", a.getSeverity().name()), 1));
        }
        GaugeSnapshot.Builder firing = GaugeSnapshot.builder().name("cac_alerts_firing")
                .help("Alerts firing now that this instance owns, by rule and severity (restored from state)");
        counts.forEach((rule, bySeverity) -> bySeverity.forEach((severity, n) -> firing.dataPoint(
                point(Labels.of("rule", rule.name(), "severity", severity.name()), n))));
        return List.of(firing.build(), each.build());
    }

    private static GaugeDataPointSnapshot point(Labels labels, Number value) {
        return GaugeDataPointSnapshot.builder().labels(labels)
                .value(value == null ? Double.NaN : value.doubleValue()).build();
    }
}
