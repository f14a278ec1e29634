package io.cacstreams.runtime;

import io.cacstreams.config.AppConfig;
import io.cacstreams.config.ConfigException;
import io.cacstreams.config.ConfigLoader;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.streams.StreamsConfig;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Kafka Streams properties of the application. cac-streams' defaults first:
 * <ul>
 *   <li>{@code application.id=cac-streams};</li>
 *   <li>{@code processing.guarantee=exactly_once_v2}: an input event is counted once, even across a crash;</li>
 *   <li>{@code ensure.explicit.internal.resource.naming=true}: Streams refuses a topology whose state stores or
 *       internal topics have generated names (which would change, and lose state, when the topology changes);</li>
 *   <li>{@code processing.exception.handler.global.enabled=true}: the processing exception handler also covers
 *       global stores (Kafka 5.0's default; Kafka 4.3 warns at every start while it is off);</li>
 *   <li>{@link OutputFailureHandler} as the production exception handler and {@link BoundedRocksDb} as the RocksDB
 *       config setter (both read the {@code cac.registry.*}, {@code cac.rocksdb.*} and dead-letter topic settings
 *       copied into the properties);</li>
 *   <li>{@code commit.interval.ms=100} when the guarantee is exactly-once and it is not set (Streams' own exactly-once
 *       default, written out so that it shows in the effective settings);</li>
 * </ul>
 * then every non-{@code cac.} setting as given (so a user can override any of the above, and set {@code state.dir},
 * {@code num.stream.threads}, {@code replication.factor}, security settings, ...).
 */
public final class StreamsProperties {
    private static final Pattern KAFKA_SETTING = Pattern.compile("for configuration ([\\w.\\-]+)");

    private StreamsProperties() {
    }

    /**
     * The record cache of the stream threads, 64 MiB of heap (Kafka Streams' default is 10 MiB): the stages put and
     * delete many short-lived entries (partials, pending counts) that, once the cache is full, each cost a RocksDB
     * write and a changelog record on eviction (bench, 100,000 events, exactly-once: 77 s with 10 MiB; 68 and 49 s
     * with 128 MiB; 50 and 54 s with 64 MiB, LZ4 on: runs vary, the gain holds).
     */
    static final long RECORD_CACHE_BYTES = 64L << 20;

    /** Throws {@link ConfigException} naming the setting: bootstrap.servers missing, or a value Kafka refuses. */
    @SuppressWarnings("deprecation") // the global-handler switch is deprecated only because 5.0 makes "true" the rule
    public static Properties build(AppConfig cfg) {
        Map<String, String> kafka = cfg.kafka();
        String bootstrap = kafka.get(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG);
        if (bootstrap == null || bootstrap.isBlank()) {
            throw new ConfigException(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "required");
        }
        if (cfg.applicationId().isBlank()) throw new ConfigException(StreamsConfig.APPLICATION_ID_CONFIG, "must not be empty");
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "cac-streams");
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, "true");
        p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, "true");
        p.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, OutputFailureHandler.class.getName());
        p.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDb.class.getName());
        p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, Long.toString(RECORD_CACHE_BYTES));
        // the stages merge two repartition topics each and never need them interleaved by time (their figures follow
        // from each partition's own order: docs/semantics.md), so a task need not wait for data on all its inputs;
        // Kafka Streams' check for that wait cost a fifth of the stream thread (bench profile)
        p.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, Long.toString(StreamsConfig.MAX_TASK_IDLE_MS_DISABLED));
        p.putAll(kafka);
        // the handlers above are configured from these (Kafka Streams hands every property to configure())
        cfg.source().forEach((k, v) -> {
            if (k.startsWith("cac.registry.") || k.startsWith("cac.rocksdb.") || k.equals("cac.topic.deadletter")) {
                p.put(k, v);
            }
        });
        if (StreamsConfig.EXACTLY_ONCE_V2.equals(p.getProperty(StreamsConfig.PROCESSING_GUARANTEE_CONFIG))
                && !kafka.containsKey(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG)) {
            p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
        }
        validate(p);
        return p;
    }

    /** The Streams properties and the application's own settings, secrets hidden: what {@code --check-config} shows. */
    public static Map<String, String> effective(AppConfig cfg, Properties streamsProps) {
        Map<String, String> all = new TreeMap<>();
        streamsProps.stringPropertyNames().forEach(k -> all.put(k, streamsProps.getProperty(k)));
        cfg.source().forEach((k, v) -> {
            if (k.startsWith("cac.")) all.put(k, v);
        });
        return ConfigLoader.masked(all);
    }

    /**
     * The settings of the application's own Admin client (the topic check): the Kafka settings an Admin client knows
     * (bootstrap, security, timeouts), then {@code admin.}-prefixed ones without the prefix, as Kafka Streams does.
     */
    public static Map<String, Object> adminProperties(AppConfig cfg) {
        Map<String, Object> out = new TreeMap<>();
        Set<String> known = AdminClientConfig.configNames();
        cfg.kafka().forEach((k, v) -> {
            if (known.contains(k)) out.put(k, v);
        });
        cfg.kafka().forEach((k, v) -> {
            if (k.startsWith(StreamsConfig.ADMIN_CLIENT_PREFIX)) out.put(k.substring(StreamsConfig.ADMIN_CLIENT_PREFIX.length()), v);
        });
        out.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, cfg.applicationId() + "-topic-check");
        return out;
    }

    /**
     * Lets Kafka check the values it knows; its complaint becomes a one-line {@link ConfigException}. Then refuses
     * values Kafka takes without complaint but that make no sense for this application (see {@link #SANE}).
     */
    static void validate(Properties p) {
        StreamsConfig config;
        try {
            config = new StreamsConfig(p);
        } catch (org.apache.kafka.common.config.ConfigException e) {
            String msg = String.valueOf(e.getMessage()).replace('\n', ' ');
            Matcher m = KAFKA_SETTING.matcher(msg);
            throw new ConfigException(m.find() ? m.group(1) : "kafka", msg);
        }
        for (LowerBound b : SANE) {
            int v = config.getInt(b.key());
            if (v < b.min() && v != b.alsoAllowed()) {
                throw new ConfigException(b.key(), b.rule() + ", was " + v);
            }
        }
    }

    /** An integer Kafka setting must be at least {@code min}, or exactly {@code alsoAllowed} (a special value). */
    private record LowerBound(String key, int min, int alsoAllowed, String rule) {
    }

    /**
     * Kafka Streams has no validator for these: a negative standby count, zero stream threads (a client without
     * threads processes nothing until one is added, which this application never does) or a replication factor of 0
     * or below -1 (-1 means the broker's default) pass its checks and fail later, or never visibly.
     */
    private static final List<LowerBound> SANE = List.of(
            new LowerBound(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, 0, 0, "must be >= 0"),
            new LowerBound(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1, 1, "must be >= 1"),
            new LowerBound(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1, -1, "must be >= 1, or -1 for the broker default"));
}
