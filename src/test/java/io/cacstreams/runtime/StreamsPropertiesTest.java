package io.cacstreams.runtime;

import io.cacstreams.config.AppConfig;
import io.cacstreams.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StreamsPropertiesTest {

    @Test
    void defaults() {
        Properties p = StreamsProperties.build(AppConfig.from(Map.of("bootstrap.servers", "b:9092")));
        assertThat(p).containsEntry("application.id", "cac-streams")
                .containsEntry("processing.guarantee", "exactly_once_v2")
                .containsEntry("ensure.explicit.internal.resource.naming", "true")
                .containsEntry("processing.exception.handler.global.enabled", "true")
                .containsEntry("commit.interval.ms", "100")
                .containsEntry("statestore.cache.max.bytes", Long.toString(64L << 20))
                .containsEntry("max.task.idle.ms", "-1")
                .containsEntry("bootstrap.servers", "b:9092");
        assertThat(p.keySet()).noneMatch(k -> k.toString().startsWith("cac."));
    }

    @Test
    void kafkaSettingsAreAppliedLastAndWin() {
        Properties p = StreamsProperties.build(AppConfig.from(Map.of("bootstrap.servers", "b:9092",
                "application.id", "cac-eu", "processing.guarantee", "at_least_once",
                "ensure.explicit.internal.resource.naming", "false", "state.dir", "/var/lib/cac",
                "num.stream.threads", "4", "statestore.cache.max.bytes", "1000")));
        assertThat(p).containsEntry("application.id", "cac-eu")
                .containsEntry("processing.guarantee", "at_least_once")
                .containsEntry("ensure.explicit.internal.resource.naming", "false")
                .containsEntry("state.dir", "/var/lib/cac")
                .containsEntry("num.stream.threads", "4")
                .containsEntry("statestore.cache.max.bytes", "1000")
                .doesNotContainKey("commit.interval.ms"); // Streams' own at-least-once default applies
    }

    @Test
    void anExplicitCommitIntervalIsKept() {
        Properties p = StreamsProperties.build(AppConfig.from(Map.of("bootstrap.servers", "b:9092",
                "commit.interval.ms", "1000")));
        assertThat(p).containsEntry("commit.interval.ms", "1000");
    }

    @Test
    void bootstrapServersAreRequired() {
        assertThatThrownBy(() -> StreamsProperties.build(AppConfig.defaults()))
                .isInstanceOf(ConfigException.class).hasMessage("bootstrap.servers: required");
        assertThatThrownBy(() -> StreamsProperties.build(AppConfig.from(Map.of("bootstrap.servers", " "))))
                .isInstanceOf(ConfigException.class).hasMessage("bootstrap.servers: required");
    }

    @Test
    void aValueKafkaRefusesIsAOneLineErrorNamingTheSetting() {
        assertThatThrownBy(() -> StreamsProperties.build(AppConfig.from(Map.of("bootstrap.servers", "b:9092",
                "processing.guarantee", "exactly_twice"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("processing.guarantee: Invalid value exactly_twice")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        assertThatThrownBy(() -> StreamsProperties.build(AppConfig.from(Map.of("bootstrap.servers", "b:9092",
                "num.stream.threads", "many"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("num.stream.threads: ");
    }

    @ParameterizedTest
    @CsvSource({
            "num.standby.replicas, -1, 'num.standby.replicas: must be >= 0, was -1'",
            "num.stream.threads, 0, 'num.stream.threads: must be >= 1, was 0'",
            "replication.factor, 0, 'replication.factor: must be >= 1, or -1 for the broker default, was 0'",
            "replication.factor, -2, 'replication.factor: must be >= 1, or -1 for the broker default, was -2'"})
    void valuesKafkaTakesButThatMakeNoSenseAreRefused(String key, String value, String message) {
        assertThatThrownBy(() -> StreamsProperties.build(AppConfig.from(Map.of("bootstrap.servers", "b:9092",
                key, value)))).isInstanceOf(ConfigException.class).hasMessage(message);
    }

    @ParameterizedTest
    @CsvSource({"num.standby.replicas, 0", "num.standby.replicas, 2", "num.stream.threads, 1",
            "replication.factor, -1", "replication.factor, 1", "replication.factor, 3"})
    void sensibleValuesPass(String key, String value) {
        assertThat(StreamsProperties.build(AppConfig.from(Map.of("bootstrap.servers", "b:9092", key, value))))
                .containsEntry(key, value);
    }

    @Test
    void adminPropertiesKeepWhatAnAdminClientKnows() {
        Map<String, Object> admin = StreamsProperties.adminProperties(AppConfig.from(Map.of(
                "bootstrap.servers", "b:9092", "security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-512",
                "num.stream.threads", "4", "admin.request.timeout.ms", "5000")));
        assertThat(admin).containsEntry("bootstrap.servers", "b:9092")
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry("request.timeout.ms", "5000")
                .containsEntry("client.id", "cac-streams-topic-check")
                .doesNotContainKey("num.stream.threads");
    }
}
