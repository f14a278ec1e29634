package io.cacstreams.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class QuerySettingsTest {

    @Test
    void defaultsListenOnLoopbackWithoutCredentials() {
        QuerySettings q = AppConfig.defaults().query();
        assertThat(q.enabled()).isTrue();
        assertThat(q.host()).isEqualTo("127.0.0.1");
        assertThat(q.port()).isEqualTo(8090);
        assertThat(q.advertisedHost()).isEqualTo("127.0.0.1");
        assertThat(q.authRequired()).isFalse();
        assertThat(q.tls()).isFalse();
        assertThat(q.historyRetention()).isEqualTo(Duration.ofDays(400));
        assertThat(q.forwardTimeout()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void parsed() {
        QuerySettings q = AppConfig.from(Map.of("cac.query.host", "0.0.0.0", "cac.query.port", "0",
                "cac.query.advertised.host", "cac-1.internal", "cac.query.bearer.token", "tok",
                "cac.query.basic.auth.user.info", "ops:pw", "cac.query.ssl.keystore.location", "/k.p12",
                "cac.query.ssl.keystore.password", "kp", "cac.query.history.retention", "90d",
                "cac.query.forward.timeout", "2s", "cac.query.enabled", "false")).query();
        assertThat(q.enabled()).isFalse();
        assertThat(q.host()).isEqualTo("0.0.0.0");
        assertThat(q.port()).isZero();
        assertThat(q.advertisedHost()).isEqualTo("cac-1.internal");
        assertThat(q.bearerToken()).isEqualTo("tok");
        assertThat(q.basicAuthUserInfo()).isEqualTo("ops:pw");
        assertThat(q.ssl()).containsEntry("ssl.keystore.location", "/k.p12").containsEntry("ssl.keystore.password", "kp");
        assertThat(q.tls()).isTrue();
        assertThat(q.authRequired()).isTrue();
        assertThat(q.historyRetention()).isEqualTo(Duration.ofDays(90));
        assertThat(q.forwardTimeout()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void secretsAreNeitherPrintedNorShownInTheEffectiveSettings() {
        AppConfig cfg = AppConfig.from(Map.of("cac.query.bearer.token", "s3cret-token",
                "cac.query.basic.auth.user.info", "ops:s3cret-pw", "cac.query.ssl.keystore.password", "s3cret-ks"));
        assertThat(cfg.query().toString()).doesNotContain("s3cret").contains("ops:[hidden]");
        assertThat(ConfigLoader.masked(cfg.toSettings()).toString()).doesNotContain("s3cret");
    }

    @Test
    void badValuesNameTheSetting() {
        assertThatThrownBy(() -> AppConfig.from(Map.of("cac.query.port", "65536")))
                .hasMessageStartingWith("cac.query.port: ");
        assertThatThrownBy(() -> AppConfig.from(Map.of("cac.query.host", "")))
                .hasMessageStartingWith("cac.query.host: ");
        assertThatThrownBy(() -> AppConfig.from(Map.of("cac.query.basic.auth.user.info", "no-colon")))
                .hasMessageStartingWith("cac.query.basic.auth.user.info: ");
        assertThatThrownBy(() -> AppConfig.from(Map.of("cac.query.history.retention", "12h")))
                .hasMessageStartingWith("cac.query.history.retention: ");
        assertThatThrownBy(() -> AppConfig.from(Map.of("cac.query.enabled", "perhaps")))
                .hasMessageStartingWith("cac.query.enabled: ");
        assertThatThrownBy(() -> AppConfig.from(Map.of("cac.query.tokn", "x")))
                .hasMessageStartingWith("cac.query.tokn: unknown setting");
    }
}
