package io.cacstreams.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shipped monitoring (monitoring/) is consistent: the Grafana dashboard is well formed and reads the provisioned
 * data source; every PromQL expression of the dashboard parses (promtool); the rules pass promtool's check and unit
 * tests; and docker-compose.yml mounts what the provisioning and docker/prometheus.yml expect. Whether the metrics
 * they use exist is checked against a real scrape by DashboardAndMonitoringIT.
 */
class MonitoringFilesTest {
    private static final Path BASE = Path.of(System.getProperty("basedir", "."));

    @TempDir
    Path tmp;

    @Test
    void metricNamesOfPromQlExpressions() {
        assertThat(MonitoringFiles.metricNames("sum by (job) (rate(cac_dead_letters_total[5m]))"
                + " / (sum by (job) (rate(cac_events_consumed_total[5m])) > 0)"))
                .containsExactly("cac_dead_letters_total", "cac_events_consumed_total");
        assertThat(MonitoringFiles.metricNames("max without (instance, severity) (cac_alert_open{rule=\"X\","
                + " severity=\"WARNING\"}) == 1")).containsExactly("cac_alert_open");
        assertThat(MonitoringFiles.metricNames("histogram_quantile(0.99, sum by (le) (rate(http_seconds_bucket"
                + "[$__rate_interval])))")).containsExactly("http_seconds_bucket");
        assertThat(MonitoringFiles.metricNames("a offset 5m + b{x='y'} * on (job) group_left (z) c > bool 1e-3"))
                .containsExactly("a", "b", "c");
        assertThat(MonitoringFiles.metricNames("cac:dead_letter_ratio:rate5m > 0.01 and up{job=\"x\"} == 1"))
                .containsExactly("cac:dead_letter_ratio:rate5m", "up");
        assertThat(MonitoringFiles.scrapedNames("# HELP a_total x\n# TYPE a_total counter\na_total{t=\"x\"} 1.0\n"
                + "b 2\n")).containsExactly("a_total", "b");
    }

    @Test
    void theDashboardIsWellFormedAndReadsTheProvisionedDataSource() {
        JsonNode datasources = MonitoringFiles.yaml(MonitoringFiles.ROOT
                .resolve("grafana/provisioning/datasources/prometheus.yml"));
        String uid = datasources.path("datasources").path(0).path("uid").asText();
        assertThat(uid).isEqualTo("prometheus");
        List<Path> dashboards = MonitoringFiles.files(MonitoringFiles.DASHBOARDS, ".json");
        assertThat(dashboards).isNotEmpty();
        for (Path file : dashboards) {
            JsonNode d = MonitoringFiles.read(new ObjectMapper(), file);
            assertThat(d.path("uid").asText()).as(file + " uid").isNotBlank();
            assertThat(d.path("title").asText()).as(file + " title").isNotBlank();
            Set<Integer> ids = new HashSet<>();
            for (JsonNode panel : MonitoringFiles.panels(d)) {
                String title = file.getFileName() + ": " + panel.path("title").asText();
                assertThat(ids.add(panel.path("id").asInt())).as(title + " has a unique id").isTrue();
                JsonNode pos = panel.path("gridPos");
                assertThat(pos.path("x").asInt() + pos.path("w").asInt()).as(title + " fits 24 columns")
                        .isBetween(1, 24);
                if (panel.path("type").asText().equals("row")) continue;
                assertThat(panel.path("datasource").path("uid").asText()).as(title + " data source").isEqualTo(uid);
                assertThat(panel.path("targets")).as(title + " queries").isNotEmpty();
                panel.path("targets").forEach(t -> assertThat(t.path("expr").asText()).as(title).isNotBlank());
            }
        }
        assertThat(MonitoringFiles.scrapedMetricsUsed()).contains("cac_channel_ltv_to_cac", "cac_alert_open",
                "cac_dead_letters_total", "kafka_consumer_fetch_manager_records_lag_max");
    }

    @Test
    void everyExpressionOfTheDashboardIsValidPromQl() throws Exception {
        Promtool.require();
        StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
        int i = 0;
        for (Map.Entry<String, String> e : MonitoringFiles.expressions().entrySet()) {
            if (!e.getKey().contains(".json")) continue;
            // Grafana's variables as a query would have them
            String expr = e.getValue().replace("$__rate_interval", "1m").replace("$window", "7d")
                    .replace("$channel", ".*");
            rules.append("      - record: dashboard:expr_").append(++i).append("\n        expr: ")
                    .append(new ObjectMapper().writeValueAsString(expr)).append('\n');
        }
        Path file = tmp.resolve("dashboard-exprs.yml");
        Files.writeString(file, rules);
        Promtool.Result r = Promtool.run(null, "check", "rules", file.toString());
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(r.out()).contains("SUCCESS: " + i + " rules found");
    }

    @Test
    void theRulesPassPromtoolsCheckAndTheirUnitTests() throws Exception {
        List<String> rules = new ArrayList<>(List.of("check", "rules"));
        MonitoringFiles.files(MonitoringFiles.RULES, ".yml").forEach(f -> rules.add(f.toString()));
        Promtool.Result check = Promtool.run(null, rules.toArray(String[]::new));
        assertThat(check.exit()).as(check.out()).isZero();

        List<String> tests = new ArrayList<>(List.of("test", "rules"));
        MonitoringFiles.files(MonitoringFiles.ROOT.resolve("prometheus/tests"), ".yml")
                .forEach(f -> tests.add(f.toString()));
        Promtool.Result unit = Promtool.run(null, tests.toArray(String[]::new));
        assertThat(unit.exit()).as(unit.out()).isZero();
        assertThat(unit.out()).contains("SUCCESS");
    }

    @Test
    void composeMountsWhatTheProvisioningAndPrometheusExpect() {
        JsonNode services = MonitoringFiles.yaml(BASE.resolve("docker-compose.yml")).path("services");
        List<String> grafana = new ArrayList<>();
        services.path("grafana").path("volumes").forEach(v -> grafana.add(v.asText()));
        String dashboardsDir = MonitoringFiles.yaml(MonitoringFiles.ROOT
                .resolve("grafana/provisioning/dashboards/cac-streams.yml")).path("providers").path(0)
                .path("options").path("path").asText();
        assertThat(grafana).contains("./monitoring/grafana/provisioning:/etc/grafana/provisioning:ro",
                "./monitoring/grafana/dashboards:" + dashboardsDir + ":ro");
        String datasourceUrl = MonitoringFiles.yaml(MonitoringFiles.ROOT
                .resolve("grafana/provisioning/datasources/prometheus.yml")).path("datasources").path(0)
                .path("url").asText();
        assertThat(datasourceUrl).isEqualTo("http://prometheus:9090");
        assertThat(services.path("prometheus").path("ports").toString()).contains("9090:9090");

        List<String> prometheus = new ArrayList<>();
        services.path("prometheus").path("volumes").forEach(v -> prometheus.add(v.asText()));
        String rulesMount = prometheus.stream().filter(v -> v.startsWith("./monitoring/prometheus/rules:"))
                .findFirst().orElseThrow(() -> new AssertionError("prometheus mounts no rules: " + prometheus));
        String rulesDir = rulesMount.split(":")[1];
        JsonNode config = MonitoringFiles.yaml(BASE.resolve("docker/prometheus.yml"));
        assertThat(config.path("rule_files").toString()).contains(rulesDir + "/*.yml");
        assertThat(config.path("scrape_configs").path(0).path("job_name").asText())
                .as("the job the rules and panels select").isEqualTo("cac-streams");
    }
}
