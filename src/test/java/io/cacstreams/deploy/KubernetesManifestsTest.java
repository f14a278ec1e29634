package io.cacstreams.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cacstreams.config.AppConfig;
import io.cacstreams.config.ConfigException;
import io.cacstreams.config.ConfigLoader;
import io.cacstreams.runtime.StreamsProperties;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * deploy/k8s/ cannot be applied here (no cluster), so this keeps it honest: every object is valid by Kubernetes' own
 * schema (1.35, strict), the settings in the ConfigMap and the container's environment are ones the application
 * accepts, and the pod is wired the way cac-streams needs (probes, state on a persistent volume, standbys, no
 * service links).
 */
class KubernetesManifestsTest {
    private static final Path DIR = Path.of("deploy/k8s");
    private static final List<JsonNode> OBJECTS = new ArrayList<>();

    @BeforeAll
    static void read() throws IOException {
        try (Stream<Path> files = Files.list(DIR)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                OBJECTS.addAll(DeploymentSchemas.readYaml(f));
            }
        }
    }

    private static JsonNode object(String kind) {
        List<JsonNode> found = OBJECTS.stream().filter(o -> o.path("kind").asText().equals(kind)).toList();
        assertThat(found).as("one " + kind + " in " + DIR).hasSize(1);
        return found.get(0);
    }

    private static JsonNode container() {
        JsonNode containers = object("StatefulSet").at("/spec/template/spec/containers");
        assertThat(containers).hasSize(1);
        return containers.get(0);
    }

    /** The ConfigMap's properties file overridden by the container's environment, as the application merges them. */
    private static Map<String, String> settings(String extraProperties) throws IOException {
        JsonNode data = object("ConfigMap").path("data");
        assertThat(data.size()).isEqualTo(1);
        Properties p = new Properties();
        p.load(new StringReader(data.elements().next().asText() + extraProperties));
        Map<String, String> file = new TreeMap<>();
        p.stringPropertyNames().forEach(k -> file.put(k, p.getProperty(k)));
        Map<String, String> env = new TreeMap<>();
        container().path("env").forEach(e -> env.put(e.path("name").asText(), e.path("value").asText()));
        assertThat(ConfigLoader.fromEnvironment(env).ignored()).as("variables the application would ignore").isEmpty();
        return ConfigLoader.merge(file, env, Map.of());
    }

    @Test
    void everyObjectIsValidByTheKubernetesSchema() {
        assertThat(OBJECTS).extracting(o -> o.path("kind").asText())
                .containsExactlyInAnyOrder("ConfigMap", "PodDisruptionBudget", "Service", "StatefulSet");
        for (JsonNode o : OBJECTS) {
            assertThat(DeploymentSchemas.kubernetesErrors(o)).as(o.path("kind").asText()).isEmpty();
        }
    }

    @Test
    void theSchemaCheckRefusesMisspeltFieldsAndWrongTypes() {
        ObjectNode misspelt = object("StatefulSet").deepCopy();
        ObjectNode c = (ObjectNode) misspelt.at("/spec/template/spec/containers/0");
        c.set("readinesProbe", c.remove("readinessProbe"));
        assertThat(DeploymentSchemas.kubernetesErrors(misspelt)).anySatisfy(e -> assertThat(e).contains("readinesProbe"));

        ObjectNode wrongType = object("StatefulSet").deepCopy();
        ((ObjectNode) wrongType.path("spec")).put("replicas", "three");
        assertThat(DeploymentSchemas.kubernetesErrors(wrongType)).anySatisfy(e -> assertThat(e).contains("replicas"));
    }

    @Test
    void theApplicationAcceptsTheSettings() throws IOException {
        Map<String, String> settings = settings("");
        AppConfig cfg = AppConfig.from(settings); // refuses an unknown or invalid cac.* setting
        StreamsProperties.build(cfg); // refuses what Kafka refuses, and standbys < 0, threads < 1, ...
        assertThat(cfg.ops().host()).as("probes reach the ops endpoints from outside the pod").isEqualTo("0.0.0.0");
        assertThat(Integer.parseInt(settings.get("num.standby.replicas"))).as("standby replicas").isPositive();
        assertThat(object("StatefulSet").at("/spec/replicas").asInt())
                .as("more instances than standbys, so that each standby has a home")
                .isGreaterThan(Integer.parseInt(settings.get("num.standby.replicas")));

        JsonNode port = container().path("ports").get(0);
        assertThat(port.path("name").asText()).isEqualTo("ops");
        assertThat(port.path("containerPort").asInt()).isEqualTo(cfg.ops().port());

        String stateMount = mountPath("state");
        assertThat(settings.get("state.dir")).as("state.dir on the persistent volume").startsWith(stateMount + "/");
        assertThat(object("StatefulSet").at("/spec/volumeClaimTemplates/0/metadata/name").asText()).isEqualTo("state");

        List<String> args = new ArrayList<>();
        container().path("args").forEach(a -> args.add(a.asText()));
        String configFile = mountPath("config") + "/" + object("ConfigMap").path("data").fieldNames().next();
        assertThat(args).containsExactly("run", "--config", configFile);
    }

    @Test
    void anUnknownCacSettingInTheConfigMapWouldStopThePod() {
        assertThatThrownBy(() -> AppConfig.from(settings("\ncac.treshold=2\n")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("cac.treshold: unknown setting");
        assertThatThrownBy(() -> StreamsProperties.build(AppConfig.from(settings("\nnum.standby.replicas=-1\n"))))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("num.standby.replicas: ");
    }

    @Test
    void thePodIsWiredForKafkaStreams() {
        JsonNode sts = object("StatefulSet");
        JsonNode pod = sts.at("/spec/template/spec");
        assertThat(pod.path("enableServiceLinks").isBoolean() && !pod.path("enableServiceLinks").asBoolean())
                .as("enableServiceLinks: false").isTrue();
        assertThat(container().at("/readinessProbe/httpGet/path").asText()).isEqualTo("/health/ready");
        assertThat(container().at("/livenessProbe/httpGet/path").asText()).isEqualTo("/health/live");
        for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
            assertThat(container().path(probe).at("/httpGet/port").asText()).as(probe + " port").isEqualTo("ops");
        }
        for (String kind : List.of("requests", "limits")) {
            assertThat(container().at("/resources/" + kind).has("cpu")).as(kind + " cpu").isTrue();
            assertThat(container().at("/resources/" + kind).has("memory")).as(kind + " memory").isTrue();
        }
        assertThat(container().path("image").asText()).isEqualTo(ContainerImage.NAME);

        JsonNode service = object("Service");
        assertThat(service.at("/spec/clusterIP").asText()).as("headless").isEqualTo("None");
        assertThat(sts.at("/spec/serviceName").asText()).isEqualTo(service.at("/metadata/name").asText());
        JsonNode labels = sts.at("/spec/template/metadata/labels");
        assertThat(sts.at("/spec/selector/matchLabels")).isEqualTo(labels);
        assertThat(service.at("/spec/selector")).isEqualTo(labels);
        assertThat(object("PodDisruptionBudget").at("/spec/selector/matchLabels")).isEqualTo(labels);
        assertThat(service.at("/spec/ports/0/targetPort").asText()).isEqualTo("ops");
    }

    private static String mountPath(String volume) {
        for (JsonNode m : container().path("volumeMounts")) {
            if (m.path("name").asText().equals(volume)) return m.path("mountPath").asText();
        }
        throw new AssertionError("no volume mount " + volume);
    }
}
