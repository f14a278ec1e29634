package io.cacstreams.config;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The alert settings: confidence (global and per channel) and routing (labels, runbooks, dashboard). */
class AlertSettingsTest {

    @Test
    void defaults() {
        AppConfig cfg = AppConfig.defaults();
        assertThat(cfg.alertDefaults().confidence()).isEqualTo(0.90);
        AlertRouting r = cfg.alertRouting();
        assertThat(r.source()).isEqualTo("cac-streams");
        assertThat(r.labels()).isEmpty();
        assertThat(r.runbookFor("LTV_CAC_BELOW_TARGET")).isEqualTo(cfg.runbookUrl());
        assertThat(r.runbookFor("NO_CONVERSIONS")).isEqualTo(cfg.runbookUrl());
        assertThat(r.dashboardFor("paid", 7)).isNull();
    }

    @Test
    void confidenceGlobalAndPerChannel() {
        AppConfig cfg = AppConfig.from(Map.of("cac.alert.confidence", "0.8",
                "cac.alert.channel.paid_social.confidence", "0.95"));
        assertThat(cfg.alertsFor("email").confidence()).isEqualTo(0.8);
        assertThat(cfg.alertsFor("paid_social").confidence()).isEqualTo(0.95);
        assertThat(cfg.alertsFor("paid_social").threshold()).isEqualTo(3.0);
    }

    @Test
    void aConfidenceOutsideHalfToOneIsRefused() {
        for (String bad : new String[]{"0", "0.49", "1", "1.5", "-0.1", "ninety"}) {
            assertThatThrownBy(() -> AppConfig.from(Map.of("cac.alert.confidence", bad)))
                    .as(bad).hasMessageStartingWith("cac.alert.confidence: ");
        }
        assertThatThrownBy(() -> AppConfig.from(Map.of("cac.alert.channel.x.confidence", "1")))
                .hasMessageStartingWith("cac.alert.channel.x.confidence: ");
    }

    @Test
    void routing() {
        AppConfig cfg = AppConfig.from(Map.of("application.id", "cac-eu", "cac.alert.label.team", " growth ",
                "cac.alert.runbook.ltv_cac_below_target", "https://rb/ltv", "cac.alert.runbook.url", "https://rb",
                "cac.alert.dashboard.url", "https://dash/{channel}/{window}"));
        AlertRouting r = cfg.alertRouting();
        assertThat(r.source()).isEqualTo("cac-eu");
        assertThat(r.labels()).containsExactlyEntriesOf(Map.of("team", "growth"));
        assertThat(r.runbookFor("LTV_CAC_BELOW_TARGET")).isEqualTo("https://rb/ltv");
        assertThat(r.runbookFor("NO_CONVERSIONS")).isEqualTo("https://rb");
        assertThat(r.dashboardFor("paid", 30)).isEqualTo("https://dash/paid/30d");
        assertThat(cfg.with(Map.of("cac.alert.label.env", "prod")).alertRouting().labels())
                .containsOnlyKeys("team", "env");
    }

    @Test
    void badLabelsAndUnknownRunbooksAreRefused() {
        assertThatThrownBy(() -> AppConfig.from(Map.of("cac.alert.label.severity", "x")))
                .hasMessageStartingWith("cac.alert.label.severity: ").hasMessageContaining("built-in");
        assertThatThrownBy(() -> AppConfig.from(Map.of("cac.alert.label.bad-name", "x")))
                .hasMessageStartingWith("cac.alert.label.bad-name: ");
        assertThatThrownBy(() -> AppConfig.from(Map.of("cac.alert.label.team", " ")))
                .hasMessageStartingWith("cac.alert.label.team: ");
        assertThatThrownBy(() -> AppConfig.from(Map.of("cac.alert.runbook.no_such_rule", "https://x")))
                .hasMessageStartingWith("cac.alert.runbook.no_such_rule: unknown setting");
    }
}
