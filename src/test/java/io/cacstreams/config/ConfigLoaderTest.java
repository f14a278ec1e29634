package io.cacstreams.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

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

        assertThat(ConfigLoader.fromEnvironment(env)).containsExactlyInAnyOrderEntriesOf(Map.of(
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
    void unknownCacVariableIsRefusedByAppConfigNamingTheKey() {
        Map<String, String> merged = ConfigLoader.merge(Map.of(), Map.of("CAC_TRESHOLD", "2"), Map.of());
        assertThatThrownBy(() -> AppConfig.from(merged)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("cac.treshold: unknown setting");
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
