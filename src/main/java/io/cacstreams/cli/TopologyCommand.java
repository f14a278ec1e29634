package io.cacstreams.cli;

import io.cacstreams.config.AppConfig;
import io.cacstreams.serde.SchemaRegistryClient;
import org.apache.kafka.streams.Topology;
import io.cacstreams.topology.TopologyDocs;
import io.cacstreams.topology.TopologyObserver;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** Prints the processing topology (sources, processors, stores, sinks) for the given configuration. */
@Command(name = "topology", mixinStandardHelpOptions = true,
        description = "Print the Kafka Streams topology for the given configuration (no broker needed).")
final class TopologyCommand implements Callable<Integer> {
    private final Main.Context context;

    @Mixin
    ConfigOptions options = new ConfigOptions();

    @picocli.CommandLine.Option(names = "--mermaid",
            description = "Print a Mermaid flowchart instead of the describe() text (both are in topology-docs/).")
    boolean mermaid;

    @Spec
    CommandSpec spec;

    TopologyCommand(Main.Context context) {
        this.context = context;
    }

    @Override
    public Integer call() {
        AppConfig cfg = options.load(context.env());
        try (SchemaRegistryClient registry = Main.openRegistry(context, cfg.registry())) {
            Topology topology = context.topology().build(cfg, registry, TopologyObserver.NONE);
            var d = topology.describe();
            spec.commandLine().getOut().print(mermaid ? TopologyDocs.mermaid(d) : TopologyDocs.text(d));
            spec.commandLine().getOut().flush();
        }
        return Main.EXIT_OK;
    }
}
