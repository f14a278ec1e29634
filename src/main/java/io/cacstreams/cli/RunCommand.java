package io.cacstreams.cli;

import io.cacstreams.config.AppConfig;
import io.cacstreams.runtime.StreamsApp;
import io.cacstreams.runtime.StreamsProperties;
import io.cacstreams.serde.SchemaRegistryClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.Properties;
import java.util.concurrent.Callable;

/**
 * Runs the application until SIGTERM/SIGINT or a fatal error: loads and validates the configuration (exit 2 if
 * invalid), opens the registry client and hands over to {@link StreamsApp#run} (topic check, topology, output schemas,
 * ops endpoints, Kafka Streams, local-state recovery).
 * <p>Exit status: 1 when topics are missing, the broker cannot be reached within 30 s, or Kafka Streams reaches ERROR
 * (see {@link io.cacstreams.runtime.UncaughtExceptionPolicy}). On SIGTERM the shutdown hook closes Kafka Streams cleanly
 * (committing what was processed) and the JVM then exits with its usual status for that signal, 143 (130 for
 * SIGINT), which supervisors read as "stopped on request".
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run cac-streams against a Kafka cluster until stopped (SIGTERM/SIGINT).")
final class RunCommand implements Callable<Integer> {
    private final Main.Context context;

    @Mixin
    ConfigOptions options = new ConfigOptions();

    @Option(names = "--check-config",
            description = "Only validate the configuration and print the effective settings (secrets hidden).")
    boolean checkConfig;

    @Spec
    CommandSpec spec;

    RunCommand(Main.Context context) {
        this.context = context;
    }

    @Override
    public Integer call() throws Exception {
        AppConfig cfg = options.load(context.env());
        Properties streamsProps = StreamsProperties.build(cfg);
        if (checkConfig) {
            PrintWriter out = spec.commandLine().getOut();
            out.println("configuration OK; effective settings:");
            StreamsProperties.effective(cfg, streamsProps).forEach((k, v) -> out.println(k + "=" + v));
            out.flush();
            return Main.EXIT_OK;
        }
        try (SchemaRegistryClient registry = Main.openRegistry(context, cfg.registry())) {
            return StreamsApp.run(cfg, context.topology(), registry, StreamsApp.Options.defaults());
        } catch (StreamsApp.MissingTopics e) {
            spec.commandLine().getErr().println(e.getMessage());
            return Main.EXIT_FAILED;
        }
    }
}
