package io.cacstreams.app;

import io.cacstreams.config.AppConfig;
import io.cacstreams.serde.SchemaRegistryClient;
import io.cacstreams.topology.TopologyObserver;
import org.apache.kafka.streams.Topology;

/**
 * Where the commands get the processing topology from: {@code io.cacstreams.topology.CacTopology::build} in the
 * application (see {@link Main#production()}), anything in tests.
 */
@FunctionalInterface
public interface TopologySource {

    Topology build(AppConfig config, SchemaRegistryClient registry, TopologyObserver observer);
}
