package io.cacstreams.app;

import io.cacstreams.config.AppConfig;
import io.cacstreams.serde.SchemaRegistryClient;
import org.apache.kafka.streams.Topology;
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

    @Spec
    CommandSpec spec;

    TopologyCommand(Main.Context context) {
        this.context = context;
    }

    @Override
    public Integer call() {
        AppConfig cfg = options.load(context.env());
        if (!context.topology().available()) {
            spec.commandLine().getErr().println(TopologySource.MISSING_MESSAGE);
            return Main.EXIT_FAILED;
        }
        try (SchemaRegistryClient registry = Main.openRegistry(context, cfg.registry())) {
            Topology topology = context.topology().build(cfg, registry);
            spec.commandLine().getOut().print(topology.describe());
            spec.commandLine().getOut().flush();
        }
        return Main.EXIT_OK;
    }
}
