package io.cacstreams.config;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OpsAndTopicSettingsTest {

    @Test
    void defaults() {
        AppConfig cfg = AppConfig.defaults();
        assertThat(cfg.ops()).isEqualTo(new OpsSettings("127.0.0.1", 8080));
        assertThat(cfg.topicSetup()).isEqualTo(new TopicSetup(false, 6, (short) -1));
    }

    @Test
    void parsed() {
        AppConfig cfg = AppConfig.from(Map.of("cac.ops.host", "0.0.0.0", "cac.ops.port", "0",
                "cac.topics.create", "true", "cac.topics.partitions", "12", "cac.topics.replication", "3"));
        assertThat(cfg.ops()).isEqualTo(new OpsSettings("0.0.0.0", 0));
        assertThat(cfg.topicSetup()).isEqualTo(new TopicSetup(true, 12, (short) 3));
    }

    @Test
    void survivesWith() {
        AppConfig cfg = AppConfig.from(Map.of("cac.ops.port", "9100")).with(Map.of("cac.topics.create", "true"));
        assertThat(cfg.ops().port()).isEqualTo(9100);
        assertThat(cfg.topicSetup().create()).isTrue();
    }

    @Test
    void badValuesNameTheSetting() {
        assertThatThrownBy(() -> AppConfig.from(Map.of("cac.ops.port", "70000")))
                .hasMessageStartingWith("cac.ops.port: ");
        assertThatThrownBy(() -> AppConfig.from(Map.of("cac.ops.port", "80.5")))
                .hasMessageStartingWith("cac.ops.port: ");
        assertThatThrownBy(() -> AppConfig.from(Map.of("cac.ops.host", " ")))
                .hasMessageStartingWith("cac.ops.host: ");
        assertThatThrownBy(() -> AppConfig.from(Map.of("cac.topics.partitions", "0")))
                .hasMessageStartingWith("cac.topics.partitions: ");
        assertThatThrownBy(() -> AppConfig.from(Map.of("cac.topics.replication", "0")))
                .hasMessageStartingWith("cac.topics.replication: ");
        assertThatThrownBy(() -> AppConfig.from(Map.of("cac.topics.create", "maybe")))
                .hasMessageStartingWith("cac.topics.create: ");
    }
}
