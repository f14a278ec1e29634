package io.cacstreams.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cacstreams.config.AppConfig;
import io.cacstreams.config.ConfigLoader;
import io.cacstreams.config.TopicNames;
import io.cacstreams.runtime.StreamsProperties;
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
 * docker-compose.yml cannot be started here (no Docker engine), so this keeps it honest: it is valid by the Compose
 * Specification's schema, every service running cac-streams uses its image with settings the application accepts,
 * and the topics are created with settings that keep the data the stack works on.
 */
class DockerComposeTest {
    private static final Path FILE = Path.of("docker-compose.yml");
    private static JsonNode compose;
    private static JsonNode services;

    @BeforeAll
    static void parse() throws IOException {
        List<JsonNode> docs = DeploymentSchemas.readYaml(FILE);
        assertThat(docs).hasSize(1);
        compose = docs.get(0);
        services = compose.get("services");
    }

    private static Map<String, String> env(String service) {
        Map<String, String> out = new TreeMap<>();
        services.get(service).path("environment").properties().forEach(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    /** The settings a service's environment gives the application; every variable must be one. */
    private static Map<String, String> settings(String service) {
        ConfigLoader.Environment read = ConfigLoader.fromEnvironment(env(service));
        assertThat(read.ignored()).as(service + ": variables the application would ignore").isEmpty();
        return read.settings();
    }

    /** The services that run cac-streams: those using its image. */
    private static List<String> appServices() {
        List<String> out = new ArrayList<>();
        services.properties().forEach(e -> {
            if (e.getValue().path("image").asText().startsWith(ContainerImage.REPOSITORY + ":")) out.add(e.getKey());
        });
        return out;
    }

    @Test
    void isValidByTheComposeSpecification() throws IOException {
        assertThat(DeploymentSchemas.composeErrors(compose)).isEmpty();
    }

    @Test
    void theSchemaCheckRefusesWhatComposeRefuses() throws IOException {
        ObjectNode broken = compose.deepCopy();
        ((ObjectNode) broken.at("/services/cac-streams")).put("restrat", "always");
        assertThat(DeploymentSchemas.composeErrors(broken)).anySatisfy(e -> assertThat(e).contains("restrat"));
        ObjectNode badPorts = compose.deepCopy();
        ((ObjectNode) badPorts.at("/services/cac-streams")).put("ports", "8080:8080");
        assertThat(DeploymentSchemas.composeErrors(badPorts)).anySatisfy(e -> assertThat(e).contains("ports"));
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
    void cacStreamsRunsFromItsImageNotFromABindMountedJar() {
        assertThat(appServices()).containsExactlyInAnyOrder("cac-streams", "generator");
        for (String s : appServices()) {
            assertThat(services.get(s).path("image").asText()).isEqualTo(ContainerImage.NAME);
            assertThat(services.get(s).has("build")).isFalse();
            services.get(s).path("volumes").forEach(v -> assertThat(v.asText()).as(s + " volume")
                    .doesNotContain(".jar").doesNotStartWith("./target"));
        }
        assertThat(services.get("cac-streams").path("command").toString()).isEqualTo("[\"run\"]");
        assertThat(services.get("generator").path("command").toString()).isEqualTo("[\"generate\"]");
    }

    @Test
    void theAppsEnvironmentIsConfigurationTheAppAccepts() {
        for (String service : appServices()) {
            AppConfig config = AppConfig.from(settings(service)); // refuses unknown or invalid cac.* settings
            StreamsProperties.build(config); // refuses what Kafka refuses, and nonsense it takes
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
    void theStateIsKeptInAVolume() {
        Map<String, String> settings = settings("cac-streams");
        List<String> volumes = new ArrayList<>();
        services.at("/cac-streams/volumes").forEach(v -> volumes.add(v.asText()));
        assertThat(volumes).anySatisfy(v -> {
            String[] parts = v.split(":");
            assertThat(compose.path("volumes").has(parts[0])).as("named volume " + parts[0]).isTrue();
            assertThat(settings.get("state.dir")).startsWith(parts[1] + "/");
        });
    }

    @Test
    void portsHealthchecksAndScrapeTargetAgree() throws IOException {
        AppConfig app = AppConfig.from(settings("cac-streams"));
        int ops = app.ops().port();
        assertThat(app.ops().host()).isEqualTo("0.0.0.0"); // inside a container, the port must be reachable
        assertThat(services.get("cac-streams").get("ports").get(0).asText()).isEqualTo(ops + ":" + ops);
        assertThat(services.get("cac-streams").get("healthcheck").get("test").toString())
                .contains("/dev/tcp/127.0.0.1/" + ops, "GET /health/ready ");
        String prometheus = Files.readString(Path.of("docker/prometheus.yml"));
        assertThat(prometheus).contains("cac-streams:" + ops).contains("/metrics");
    }

    @Test
    void theTopicsKeepTheDataTheStackWorksOn() {
        String command = services.get("topics").get("command").get(0).asText();
        Map<String, String> configs = new TreeMap<>();
        command.lines().map(String::strip).filter(l -> l.startsWith("create ")).forEach(l -> {
            String[] words = l.split("\\s+");
            assertThat(words).as(l).hasSize(3);
            configs.put(words[1], words[2]);
        });
        TopicNames t = TopicNames.defaults();
        assertThat(configs).containsOnlyKeys(t.spend(), t.leads(), t.conversions(), t.churn(), t.fxRates(),
                t.metrics(), t.alerts(), t.deadLetter());
        for (String topic : List.of(t.spend(), t.leads(), t.conversions(), t.churn(), t.fxRates(), t.metrics(),
                t.deadLetter())) {
            assertThat(configs.get(topic)).as(topic + ": data dated a year back is kept").isEqualTo("retention.ms=-1");
        }
        assertThat(configs.get(t.alerts())).as("alerts keyed by dedupKey").isEqualTo("cleanup.policy=compact");
    }
}
