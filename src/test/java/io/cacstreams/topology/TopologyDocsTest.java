package io.cacstreams.topology;

import io.cacstreams.config.AppConfig;
import io.cacstreams.serde.SchemaRegistryClient;
import org.apache.kafka.streams.TopologyDescription;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The committed topology-docs/ must match the topology the default configuration builds: a renamed processor, store
 * or repartition topic (which would orphan deployed state) shows up here. Regenerate deliberately with
 * {@code mvn test -Dtest=TopologyDocsTest -Dcac.docs.update=true}.
 */
class TopologyDocsTest {
    private static final Path DOCS = Path.of("topology-docs");

    static TopologyDescription describeDefault() {
        AppConfig config = AppConfig.from(Map.of("cac.registry.url", "mock://topology-docs"));
        try (SchemaRegistryClient registry = SchemaRegistryClient.create(config.registry())) {
            return CacTopology.build(config, registry).describe();
        }
    }

    @Test
    void committedDescriptionMatchesTheTopology() throws IOException {
        TopologyDescription d = describeDefault();
        check("topology.txt", TopologyDocs.text(d));
        check("topology.mmd", TopologyDocs.mermaid(d));
    }

    @Test
    void everyInternalResourceHasAnExplicitName() {
        String text = TopologyDocs.text(describeDefault());
        assertThat(text).doesNotContainPattern("KSTREAM-[A-Z-]+-\\d{10}-repartition")
                .doesNotContainPattern("STATE-STORE-\\d{10}")
                .contains("spend-by-bucket-repartition", "conversions-by-customer-repartition",
                        "bucket-partials-by-channel-repartition", "customer-partials-by-channel-repartition",
                        "event-ids", "channel-state", "channel-pending", "customers", "fx-rates-versioned");
    }

    private static void check(String file, String expected) throws IOException {
        Path path = DOCS.resolve(file);
        if (Boolean.getBoolean("cac.docs.update")) {
            Files.createDirectories(DOCS);
            Files.writeString(path, expected);
        }
        assertThat(path).as("topology-docs/" + file + " (regenerate with -Dcac.docs.update=true)").exists();
        assertThat(Files.readString(path)).as("topology-docs/" + file + " is out of date; regenerate with "
                + "mvn test -Dtest=TopologyDocsTest -Dcac.docs.update=true").isEqualTo(expected);
    }
}
