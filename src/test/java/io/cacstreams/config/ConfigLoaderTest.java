package io.cacstreams.config;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigLoaderTest {

    @Test
    void flagsOverrideEnvironmentWhichOverridesTheFile() {
        Map<String, String> file = Map.of("bootstrap.servers", "file:9092", "cac.bucket", "1h",
                "application.id", "from-file");
        Map<String, String> env = Map.of("KAFKA_BOOTSTRAP_SERVERS", "env:9092", "CAC_BUCKET", "2h");
        Map<String, String> flags = Map.of("bootstrap.servers", "flag:9092");

        Map<String, String> merged = ConfigLoader.merge(file, env, flags);

        assertThat(merged).containsEntry("bootstrap.servers", "flag:9092")
                .containsEntry("cac.bucket", "2h")
                .containsEntry("application.id", "from-file")
                .hasSize(3);
    }

    @Test
    void environmentNamesMapToSettingKeys() {
        Map<String, String> env = Map.of(
                "KAFKA_NUM_STREAM_THREADS", "4",
                "CAC_REGISTRY_URL", "http://registry:8081",
                "KAFKA_SASL_JAAS_CONFIG", "jaas",
                "KAFKA_LISTENER_NAME_EXTERNAL_SCRAM___SHA___256_SASL_JAAS_CONFIG", "x",
                "KAFKA_SOME__UNDERSCORED_KEY", "y",
                "PATH", "/usr/bin",
                "KAFKA_HEAP_OPTS", "-Xmx1g",
                "KAFKA_OPTS", "-Dx",
                "KAFKA_HOME", "/opt/kafka",
                "CAC_", "ignored");

        assertThat(ConfigLoader.fromEnvironment(env).settings()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "num.stream.threads", "4",
                "cac.registry.url", "http://registry:8081",
                "sasl.jaas.config", "jaas",
                "listener.name.external.scram-sha-256.sasl.jaas.config", "x",
                "some_underscored.key", "y"));
    }

    @Test
    void mergedSettingsAreWhatAppConfigParses() {
        Map<String, String> merged = ConfigLoader.merge(Map.of("cac.ops.port", "9000"),
                Map.of("CAC_ALERT_THRESHOLD", "2.5", "KAFKA_STATE_DIR", "/var/lib/cac"),
                Map.of("bootstrap.servers", "localhost:9092"));
        AppConfig cfg = AppConfig.from(merged);
        assertThat(cfg.ops().port()).isEqualTo(9000);
        assertThat(cfg.alertDefaults().threshold()).isEqualTo(2.5);
        assertThat(cfg.kafka()).containsEntry("state.dir", "/var/lib/cac").containsEntry("bootstrap.servers", "localhost:9092");
    }

    @Test
    void kubernetesServiceLinksAreIgnoredAndListedNotReadAsSettings() {
        // what the kubelet injects for a Service named cac-streams (port 8080, named "ops") and one named kafka
        Map<String, String> env = new TreeMap<>(Map.of(
                "CAC_STREAMS_PORT", "tcp://10.0.0.7:8080",
                "CAC_STREAMS_PORT_8080_TCP", "tcp://10.0.0.7:8080",
                "CAC_STREAMS_PORT_8080_TCP_ADDR", "10.0.0.7",
                "CAC_STREAMS_PORT_8080_TCP_PORT", "8080",
                "CAC_STREAMS_PORT_8080_TCP_PROTO", "tcp",
                "CAC_STREAMS_SERVICE_HOST", "10.0.0.7",
                "CAC_STREAMS_SERVICE_PORT", "8080",
                "CAC_STREAMS_SERVICE_PORT_OPS", "8080"));
        env.putAll(Map.of(
                "KAFKA_PORT", "tcp://10.0.0.9:9092",
                "KAFKA_SERVICE_HOST", "10.0.0.9",
                "KAFKA_PORT_9092_TCP_ADDR", "10.0.0.9",
                "KAFKA_BOOTSTRAP_SERVERS", "kafka:9092",
                "CAC_OPS_PORT", "9100"));

        ConfigLoader.Environment read = ConfigLoader.fromEnvironment(env);

        assertThat(read.settings()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "bootstrap.servers", "kafka:9092", "cac.ops.port", "9100"));
        assertThat(read.ignored()).containsExactly("CAC_STREAMS_PORT", "CAC_STREAMS_PORT_8080_TCP",
                "CAC_STREAMS_PORT_8080_TCP_ADDR", "CAC_STREAMS_PORT_8080_TCP_PORT", "CAC_STREAMS_PORT_8080_TCP_PROTO",
                "CAC_STREAMS_SERVICE_HOST", "CAC_STREAMS_SERVICE_PORT", "CAC_STREAMS_SERVICE_PORT_OPS",
                "KAFKA_PORT", "KAFKA_PORT_9092_TCP_ADDR", "KAFKA_SERVICE_HOST");
        assertThat(AppConfig.from(ConfigLoader.merge(Map.of(), env, Map.of())).ops().port()).isEqualTo(9100);
    }

    @Test
    void aMisspeltVariableIsIgnoredButAMisspeltKeyInTheFileOrAFlagIsRefused() {
        assertThat(ConfigLoader.fromEnvironment(Map.of("CAC_TRESHOLD", "2")).ignored()).containsExactly("CAC_TRESHOLD");
        assertThatThrownBy(() -> AppConfig.from(ConfigLoader.merge(Map.of("cac.treshold", "2"), Map.of(), Map.of())))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("cac.treshold: unknown setting");
        assertThatThrownBy(() -> AppConfig.from(ConfigLoader.merge(Map.of(), Map.of(), Map.of("cac.treshold", "2"))))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("cac.treshold: unknown setting");
        // a variable naming a real setting with a bad value is still refused
        assertThatThrownBy(() -> AppConfig.from(ConfigLoader.merge(Map.of(), Map.of("CAC_OPS_PORT", "tcp://x:1"),
                Map.of()))).isInstanceOf(ConfigException.class).hasMessageStartingWith("cac.ops.port: ");
    }

    @Test
    void channelNamesInVariableNamesKeepTheirCase() {
        Map<String, String> env = Map.of(
                "CAC_ALERT_CHANNEL_ALL_THRESHOLD", "2",
                "CAC_ALERT_CHANNEL_paid__search_MIN_NEW_CUSTOMERS", "5",
                "CAC_ALERT_CHANNEL_Email_FOR", "1h",
                "CAC_MARGIN_CHANNEL_Email", "0.5",
                "CAC_FX_STATIC_EUR", "1.1");

        assertThat(ConfigLoader.fromEnvironment(env).settings()).containsOnlyKeys(
                "cac.alert.channel.ALL.threshold", "cac.alert.channel.paid_search.min.new.customers",
                "cac.alert.channel.Email.for", "cac.margin.channel.Email", "cac.fx.static.eur");
        AppConfig cfg = AppConfig.from(ConfigLoader.merge(Map.of(), env, Map.of()));
        assertThat(cfg.alertsFor("ALL").threshold()).isEqualTo(2.0);
        assertThat(cfg.alertsFor("all")).isEqualTo(cfg.alertDefaults());
        assertThat(cfg.alertsFor("paid_search").minNewCustomers()).isEqualTo(5);
        assertThat(cfg.alertsFor("Email").forSpan()).isEqualTo(Duration.ofHours(1));
        assertThat(cfg.marginFor("Email")).isEqualTo(0.5);
        assertThat(cfg.staticRate("EUR")).contains(new BigDecimal("1.1"));
    }

    @Test
    void loadWarnsOnceListingTheIgnoredVariablesButNotTheirValues() {
        Logger logger = (Logger) LoggerFactory.getLogger(ConfigLoader.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try {
            ConfigLoader.load(null, Map.of("CAC_STREAMS_PORT", "tcp://10.0.0.7:8080", "CAC_STREAMS_SERVICE_HOST",
                    "10.0.0.7", "CAC_OPS_PORT", "9100"), Map.of());
            ConfigLoader.load(null, Map.of("CAC_OPS_PORT", "9100"), Map.of());
        } finally {
            logger.detachAppender(appender);
        }
        assertThat(appender.list).singleElement().satisfies(e -> {
            assertThat(e.getLevel()).isEqualTo(Level.WARN);
            assertThat(e.getFormattedMessage()).endsWith(": CAC_STREAMS_PORT, CAC_STREAMS_SERVICE_HOST")
                    .doesNotContain("10.0.0.7");
        });
    }

    @Test
    void readsAPropertiesFileAsUtf8(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("app.properties");
        Files.writeString(file, "# comment\nbootstrap.servers = broker:9092\ncac.alert.runbook.url=https://wiki/é\n",
                StandardCharsets.UTF_8);
        Map<String, String> loaded = ConfigLoader.load(file, Map.of("KAFKA_BOOTSTRAP_SERVERS", "env:9092"), Map.of());
        assertThat(loaded).containsEntry("bootstrap.servers", "env:9092")
                .containsEntry("cac.alert.runbook.url", "https://wiki/é");
    }

    @Test
    void aMissingFileIsAOneLineConfigError(@TempDir Path dir) {
        Path missing = dir.resolve("nope.properties");
        assertThatThrownBy(() -> ConfigLoader.load(missing, Map.of(), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--config: cannot read " + missing + ": no such file");
    }

    @Test
    void maskedHidesSecretsAndKeepsTheRest() {
        Map<String, String> masked = ConfigLoader.masked(Map.of(
                "bootstrap.servers", "broker:9092",
                "sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" password=\"p\";",
                "ssl.truststore.password", "changeit",
                "ssl.key.password", "k",
                "ssl.keystore.key", "-----BEGIN PRIVATE KEY-----",
                "sasl.oauthbearer.client.credentials.client.secret", "s",
                "cac.registry.basic.auth.user.info", "reg-user:reg-pass",
                "cac.registry.ssl.keystore.password", "kp",
                "cac.registry.url", "https://alice:wonderland@registry:8081/apis/ccompat/v7",
                "some.token", "t"));

        assertThat(masked).containsEntry("bootstrap.servers", "broker:9092")
                .containsEntry("sasl.jaas.config", "[hidden]")
                .containsEntry("ssl.truststore.password", "[hidden]")
                .containsEntry("ssl.key.password", "[hidden]")
                .containsEntry("ssl.keystore.key", "[hidden]")
                .containsEntry("sasl.oauthbearer.client.credentials.client.secret", "[hidden]")
                .containsEntry("cac.registry.basic.auth.user.info", "reg-user:[hidden]")
                .containsEntry("cac.registry.ssl.keystore.password", "[hidden]")
                .containsEntry("cac.registry.url", "https://alice:[hidden]@registry:8081/apis/ccompat/v7")
                .containsEntry("some.token", "[hidden]");
        assertThat(masked.toString()).doesNotContain("wonderland", "reg-pass", "changeit", "password=\"p\"");
    }
}
