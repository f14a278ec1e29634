package io.cacstreams.app;

import io.cacstreams.config.AppConfig;
import io.cacstreams.serde.SchemaRegistryClient;
import org.apache.kafka.streams.Topology;

/**
 * Where the commands get the processing topology from: {@code io.cacstreams.topology.CacTopology::build} in the
 * application (see {@link Main#production()}), anything in tests.
 */
@FunctionalInterface
public interface TopologySource {

    Topology build(AppConfig config, SchemaRegistryClient registry);

    /** False only for {@link #MISSING}. */
    default boolean available() {
        return true;
    }

    String MISSING_MESSAGE = "the processing topology is not part of this build yet"
            + " (io.cacstreams.topology.CacTopology is missing)";

    /** Stands in for the topology in a build that does not have it yet: commands that need it say so and exit 1. */
    TopologySource MISSING = new TopologySource() {
        @Override
        public Topology build(AppConfig config, SchemaRegistryClient registry) {
            throw new IllegalStateException(MISSING_MESSAGE);
        }

        @Override
        public boolean available() {
            return false;
        }
    };
}
