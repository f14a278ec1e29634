package io.cacstreams.bridge;

import io.cacstreams.cli.ConfigOptions;
import io.cacstreams.runtime.StreamsProperties;
import io.cacstreams.config.AppConfig;
import io.cacstreams.config.ConfigException;
import io.cacstreams.config.Durations;
import io.cacstreams.events.ChannelAlert;
import io.cacstreams.serde.RegistryAvroSerde;
import io.cacstreams.serde.SchemaRegistryClient;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code cac-streams alert-bridge}: forwards {@code channel-alerts} to Alertmanager until SIGTERM/SIGINT (see
 * {@link AlertBridge}). The topic, registry and Kafka client settings (security included) are the application's.
 */
@Command(name = "alert-bridge", mixinStandardHelpOptions = true,
        description = "Forward the channel-alerts topic to Alertmanager (POST /api/v2/alerts) until stopped.")
public final class AlertBridgeCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(AlertBridgeCommand.class);

    private final Map<String, String> env;

    @Mixin
    ConfigOptions options = new ConfigOptions();

    @Option(names = "--alertmanager-url", required = true, paramLabel = "URL",
            description = "Alertmanager's base URL, e.g. http://alertmanager:9093")
    String alertmanagerUrl;

    @Option(names = "--resend-interval", paramLabel = "DURATION", defaultValue = "60s",
            description = "How often every open alert is posted again (default ${DEFAULT-VALUE}); keep it below "
                    + "Alertmanager's resolve_timeout. A posted alert is valid for 4 times this.")
    String resendInterval;

    @Option(names = "--group-id", paramLabel = "ID",
            description = "Consumer group whose committed offsets say what was delivered "
                    + "(default <application.id>-alert-bridge)")
    String groupId;

    public AlertBridgeCommand(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public Integer call() throws Exception {
        AppConfig cfg = options.load(env);
        URI url = alertmanagerUrl(alertmanagerUrl);
        Duration resend = Durations.parse("--resend-interval", resendInterval);
        if (resend.isZero() || resend.isNegative()) throw new ConfigException("--resend-interval", "must be > 0");
        String group = groupId != null ? groupId : cfg.applicationId() + "-alert-bridge";
        try (SchemaRegistryClient registry = SchemaRegistryClient.create(cfg.registry());
             KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(consumerProperties(cfg, group),
                     new StringDeserializer(), new ByteArrayDeserializer())) {
            AlertBridge bridge = new AlertBridge(consumer,
                    new RegistryAvroSerde<>(registry, ChannelAlert.class, false, false).deserializer(),
                    cfg.topics().alerts(), new AlertmanagerClient(url, Duration.ofSeconds(10)),
                    new AlertBridge.Options(resend, Duration.ofMillis(500)), Clock.systemUTC());
            Thread hook = new Thread(bridge::close, "alert-bridge-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            log.info("alert bridge: {} -> {}/api/v2/alerts (group {}, re-send every {})", cfg.topics().alerts(), url,
                    group, Durations.format(resend));
            try {
                bridge.run();
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is what stopped the bridge
                }
            }
        }
        return 0;
    }

    /** A consumer of the application's cluster (its security settings too) that reads committed transactions only. */
    public static Map<String, Object> consumerProperties(AppConfig cfg, String group) {
        Map<String, Object> p = new HashMap<>(StreamsProperties.adminProperties(cfg));
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, group);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        // the application writes alerts in transactions (exactly-once): an aborted one must not page anybody
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return p;
    }

    static URI alertmanagerUrl(String text) {
        try {
            URI u = URI.create(text.strip());
            if (("http".equals(u.getScheme()) || "https".equals(u.getScheme())) && u.getHost() != null) return u;
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw new ConfigException("--alertmanager-url", "'" + text + "' is not an http(s):// URL");
    }
}
