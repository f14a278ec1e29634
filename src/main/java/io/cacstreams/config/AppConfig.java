package io.cacstreams.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;

/**
 * Everything the topology and the runtime need, parsed and validated from flat {@code key=value} settings.
 * Keys starting with {@code cac.} are the application's own; every other key is passed to Kafka Streams and its
 * clients untouched (SASL, SSL, num.stream.threads, replication.factor, state.dir, ...).
 */
public record AppConfig(
        TopicNames topics,
        List<Duration> windows,
        Duration bucket,
        Duration grace,
        Duration maxFutureSkew,
        Duration fxHistory,
        String reportingCurrency,
        Map<String, BigDecimal> staticRates,
        Duration dedupRetention,
        Duration churnHold,
        Duration emitInterval,
        AlertThresholds alertDefaults,
        Map<String, AlertThresholds> alertOverrides,
        String runbookUrl,
        AlertRouting alertRouting,
        double defaultMargin,
        Map<String, Double> channelMargins,
        double monthlyDiscountRate,
        OptionalInt horizonMonths,
        RegistrySettings registry,
        StateSettings state,
        OpsSettings ops,
        QuerySettings query,
        TopicSetup topicSetup,
        Map<String, String> kafka,
        Map<String, String> source) {

    /** The blended pseudo-channel. */
    public static final String ALL = "ALL";

    /** The Kafka Streams application id when {@code application.id} is not set. */
    public static final String DEFAULT_APPLICATION_ID = "cac-streams";

    public AppConfig {
        windows = List.copyOf(windows);
        staticRates = Collections.unmodifiableMap(new TreeMap<>(staticRates));
        alertOverrides = Collections.unmodifiableMap(new TreeMap<>(alertOverrides));
        channelMargins = Collections.unmodifiableMap(new TreeMap<>(channelMargins));
        kafka = Collections.unmodifiableMap(new TreeMap<>(kafka));
        source = Collections.unmodifiableMap(new TreeMap<>(source));
    }

    public static AppConfig defaults() {
        return from(Map.of());
    }

    public AlertThresholds alertsFor(String channel) {
        return alertOverrides.getOrDefault(channel, alertDefaults);
    }

    /** The configured margin of a channel, else the global default. */
    public double marginFor(String channel) {
        return channelMargins.getOrDefault(channel, defaultMargin);
    }

    public Duration longestWindow() {
        return windows.stream().max(Duration::compareTo).orElseThrow();
    }

    public String applicationId() {
        return kafka.getOrDefault("application.id", DEFAULT_APPLICATION_ID);
    }

    /** A copy with some settings replaced (same keys as {@link #from}); convenient in tests. */
    public AppConfig with(Map<String, String> more) {
        Map<String, String> all = new TreeMap<>(toSettings());
        all.putAll(more);
        return from(all);
    }

    /**
     * True if {@code key} names one of cac-streams' own settings: a key {@link #from} reads (whatever its value), or
     * one of a family that carries a name ({@code cac.alert.channel.<channel>.<setting>},
     * {@code cac.margin.channel.<channel>}, {@code cac.fx.static.<CCY>}, {@code cac.registry.ssl.<setting>}).
     */
    public static boolean isSetting(String key) {
        return FixedKeys.KEYS.contains(key) || Settings.isNamedKey(key);
    }

    /** The keys of the settings that are not in a family: those that parsing the defaults reads. */
    private static final class FixedKeys {
        static final Set<String> KEYS;

        static {
            Settings probe = new Settings(Map.of());
            parse(probe, Map.of());
            KEYS = probe.keysRead();
        }
    }

    /** Parses and validates; throws {@link ConfigException} naming the first bad setting. */
    public static AppConfig from(Map<String, String> raw) {
        Settings s = new Settings(raw);
        AppConfig cfg = parse(s, raw);
        s.rejectUnknown();
        return cfg;
    }

    private static AppConfig parse(Settings s, Map<String, String> raw) {
        TopicNames d = TopicNames.defaults();
        TopicNames topics = new TopicNames(
                s.text("cac.topic.spend", d.spend()), s.text("cac.topic.leads", d.leads()),
                s.text("cac.topic.conversions", d.conversions()), s.text("cac.topic.churn", d.churn()),
                s.text("cac.topic.fx", d.fxRates()), s.text("cac.topic.metrics", d.metrics()),
                s.text("cac.topic.alerts", d.alerts()), s.text("cac.topic.deadletter", d.deadLetter()));

        Duration bucket = s.positiveDuration("cac.bucket", "1h");
        List<Duration> windows = new ArrayList<>();
        for (String w : s.text("cac.windows", "7d,30d,90d").split(",")) {
            if (w.isBlank()) continue;
            Duration len = Durations.parse("cac.windows", w);
            if (len.isZero() || len.isNegative() || len.toMillis() % bucket.toMillis() != 0) {
                throw new ConfigException("cac.windows", "window '" + w.trim()
                        + "' must be a positive whole number of buckets (cac.bucket=" + Durations.format(bucket) + ")");
            }
            if (len.toMillis() % 86_400_000L != 0) {
                throw new ConfigException("cac.windows", "window '" + w.trim() + "' must be a whole number of days");
            }
            if (windows.contains(len)) {
                throw new ConfigException("cac.windows", "window '" + w.trim() + "' is listed twice");
            }
            windows.add(len);
        }
        if (windows.isEmpty()) throw new ConfigException("cac.windows", "at least one window is needed");
        windows.sort(Duration::compareTo);

        String reporting = s.currency("cac.reporting.currency", "USD");
        Map<String, BigDecimal> rates = new TreeMap<>();
        for (Map.Entry<String, String> e : s.withPrefix("cac.fx.static.").entrySet()) {
            String setting = "cac.fx.static." + e.getKey();
            String ccy = e.getKey().toUpperCase(Locale.ROOT);
            if (!ccy.matches("[A-Z]{3}")) throw new ConfigException(setting, "'" + e.getKey() + "' is not an ISO 4217 code");
            BigDecimal rate;
            try {
                rate = new BigDecimal(e.getValue().trim());
            } catch (NumberFormatException ex) {
                throw new ConfigException(setting, "'" + e.getValue() + "' is not a number");
            }
            if (rate.signum() <= 0) throw new ConfigException(setting, "a rate must be > 0");
            rates.put(ccy, rate);
        }

        AlertThresholds defaults = s.thresholds("cac.alert.", AlertThresholds.defaults());
        Map<String, AlertThresholds> overrides = new TreeMap<>();
        for (String channel : s.alertChannels()) {
            overrides.put(channel, s.thresholds(Settings.ALERT_CHANNEL + channel + ".", defaults));
        }
        double defaultMargin = s.fraction("cac.margin.default", 1.0);
        Map<String, Double> margins = new TreeMap<>();
        for (String key : s.withPrefix(Settings.MARGIN_CHANNEL).keySet()) {
            margins.put(key, s.fraction(Settings.MARGIN_CHANNEL + key, defaultMargin));
        }
        double discount = s.number("cac.ltv.monthly.discount.rate", 0.0);
        if (discount < 0) throw new ConfigException("cac.ltv.monthly.discount.rate", "must be >= 0");
        int horizon = (int) s.number("cac.ltv.horizon.months", 0);
        if (horizon < 0) throw new ConfigException("cac.ltv.horizon.months", "must be >= 0 (0 = unbounded)");

        RegistrySettings registry = RegistrySettings.from(s);
        Map<String, String> kafka = new TreeMap<>();
        raw.forEach((k, v) -> {
            if (!k.startsWith("cac.")) kafka.put(k, v);
        });
        String runbook = s.text("cac.alert.runbook.url", "https://runbooks.example.com/cac-streams/ltv-cac");
        AlertRouting routing = AlertRouting.from(s, kafka.getOrDefault("application.id", DEFAULT_APPLICATION_ID),
                runbook);
        return new AppConfig(topics, windows, bucket, s.duration("cac.grace", "1h"),
                s.positiveDuration("cac.max.future.skew", "1h"), s.positiveDuration("cac.fx.history", "3650d"),
                reporting, rates,
                s.positiveDuration("cac.dedup.retention", Durations.format(windows.get(windows.size() - 1))), s.duration("cac.churn.hold", "7d"),
                s.positiveDuration("cac.emit.interval", "1s"), defaults, overrides,
                runbook, routing,
                defaultMargin, margins, discount, horizon == 0 ? OptionalInt.empty() : OptionalInt.of(horizon),
                registry, stateSettings(s), OpsSettings.from(s), QuerySettings.from(s), TopicSetup.from(s),
                kafka, raw);
    }

    private static StateSettings stateSettings(Settings s) {
        long cache = (long) s.positive("cac.rocksdb.cache.bytes", 64L << 20);
        long buffers = (long) s.positive("cac.rocksdb.write.buffer.bytes", 16L << 20);
        if (buffers > cache) {
            throw new ConfigException("cac.rocksdb.write.buffer.bytes", "must not exceed cac.rocksdb.cache.bytes (" + cache + ")");
        }
        int[] counts = new int[StateSettings.InputPartitions.ROLES.length];
        for (int i = 0; i < counts.length; i++) {
            String key = "cac." + StateSettings.InputPartitions.ROLES[i] + ".partitions";
            double n = s.number(key, 0);
            if (n < 0 || n != Math.rint(n) || n > 100_000) {
                throw new ConfigException(key, "must be >= 0 (0 = find out from the broker)");
            }
            counts[i] = (int) n;
        }
        return new StateSettings(s.bool("cac.state.in.memory", false), (int) s.positive("cac.repartition.partitions", 6),
                cache, buffers, new StateSettings.InputPartitions(counts[0], counts[1], counts[2], counts[3]),
                s.positiveDuration("cac.idle.timeout", "30s"));
    }

    /** The flat settings this config was parsed from. */
    public Map<String, String> toSettings() {
        return source;
    }

    public Optional<BigDecimal> staticRate(String currency) {
        return Optional.ofNullable(staticRates.get(currency));
    }
}
