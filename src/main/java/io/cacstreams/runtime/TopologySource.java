package io.cacstreams.runtime;

import io.cacstreams.config.AppConfig;
import io.cacstreams.serde.SchemaRegistryClient;
import io.cacstreams.topology.CacTopology;
import io.cacstreams.topology.TopologyObserver;
import io.cacstreams.topology.Topics;
import org.apache.kafka.streams.Topology;

import java.util.List;

/**
 * Where the commands get the processing topology from: {@code io.cacstreams.topology.CacTopology::build} in the
 * application (see {@code io.cacstreams.cli.Main#production()}), anything in tests.
 */
@FunctionalInterface
public interface TopologySource {

    Topology build(AppConfig config, SchemaRegistryClient registry, TopologyObserver observer);

    /**
     * Resolves (registers or looks up) the schema ids of the topology's outputs in {@code registry} before it runs,
     * so that a later registry outage does not hold up outputs whose schemas are old; best effort: returns the
     * problems met. A stand-in topology has none to resolve.
     */
    default List<String> resolveOutputSchemas(AppConfig config, SchemaRegistryClient registry) {
        return List.of();
    }

    /** cac-streams' own topology ({@link CacTopology}). */
    TopologySource CAC = new TopologySource() {
        @Override
        public Topology build(AppConfig config, SchemaRegistryClient registry, TopologyObserver observer) {
            return CacTopology.build(config, registry, observer);
        }

        @Override
        public List<String> resolveOutputSchemas(AppConfig config, SchemaRegistryClient registry) {
            return Topics.of(config, registry).resolveOutputSchemas();
        }
    };
}
