package io.cacstreams.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.cacstreams.config.AppConfig;
import io.cacstreams.config.ConfigLoader;
import io.cacstreams.config.TopicNames;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docker-compose.yml cannot be started here (no Docker engine), so this keeps it honest: its services, ports and
 * environment must match what the application actually reads.
 */
class DockerComposeTest {
    private static JsonNode services;

    @BeforeAll
    static void parse() throws IOException {
        services = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(Path.of("docker-compose.yml")))
                .get("services");
    }

    private static Map<String, String> env(String service) {
        Map<String, String> out = new TreeMap<>();
        services.get(service).get("environment").fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    @Test
    void hasTheServicesTheReadmePromises() {
        List<String> names = new ArrayList<>();
        services.fieldNames().forEachRemaining(names::add);
        assertThat(names).contains("kafka", "schema-registry", "topics", "cac-streams", "generator", "prometheus");
        for (String s : List.of("kafka", "schema-registry", "cac-streams")) {
            assertThat(services.get(s).has("healthcheck")).as(s + " has a healthcheck").isTrue();
        }
    }

    @Test
    void theAppsEnvironmentIsConfigurationTheAppAccepts() {
        for (String service : List.of("cac-streams", "generator")) {
            Map<String, String> settings = ConfigLoader.fromEnvironment(env(service));
            AppConfig config = AppConfig.from(settings); // refuses unknown or invalid cac.* settings
            String bootstrap = config.kafka().get("bootstrap.servers");
            assertThat(bootstrap).as(service + " bootstrap.servers").isNotNull();
            assertThat(env("kafka").get("KAFKA_ADVERTISED_LISTENERS")).as("kafka advertises what " + service + " uses")
                    .contains("//" + bootstrap);
            URI registry = URI.create(config.registry().url());
            assertThat(registry.getHost()).isEqualTo("schema-registry");
            assertThat(env("schema-registry").get("SCHEMA_REGISTRY_LISTENERS")).endsWith(":" + registry.getPort());
        }
    }

    @Test
    void portsHealthchecksAndScrapeTargetAgree() throws IOException {
        AppConfig app = AppConfig.from(ConfigLoader.fromEnvironment(env("cac-streams")));
        int ops = app.ops().port();
        assertThat(app.ops().host()).isEqualTo("0.0.0.0"); // inside a container, the port must be reachable
        assertThat(services.get("cac-streams").get("ports").get(0).asText()).isEqualTo(ops + ":" + ops);
        assertThat(services.get("cac-streams").get("healthcheck").get("test").toString())
                .contains("localhost:" + ops + "/health/ready");
        String prometheus = Files.readString(Path.of("docker/prometheus.yml"));
        assertThat(prometheus).contains("cac-streams:" + ops).contains("/metrics");
    }

    @Test
    void theTopicsServiceCreatesEveryDefaultTopicAndTheJarIsTheBuiltOne() {
        String command = services.get("topics").get("command").toString();
        TopicNames t = TopicNames.defaults();
        for (String topic : List.of(t.spend(), t.leads(), t.conversions(), t.churn(), t.fxRates(), t.metrics(),
                t.alerts(), t.deadLetter())) {
            assertThat(command).contains(topic);
        }
        // channel-alerts is created compacted, and not also by the plain loop
        String script = services.get("topics").get("command").get(0).asText();
        assertThat(script).containsPattern("--topic " + t.alerts() + " [^\\n]*--config cleanup\\.policy=compact");
        assertThat(script).doesNotContainPattern("for t in [^\\n]*" + t.alerts());
        assertThat(services.get("cac-streams").get("volumes").get(0).asText()).startsWith("./target/cac-streams.jar:");
        assertThat(services.get("cac-streams").get("command").toString()).contains("\"run\"");
        assertThat(services.get("generator").get("command").toString()).contains("\"generate\"");
    }
}
