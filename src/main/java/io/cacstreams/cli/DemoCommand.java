package io.cacstreams.cli;

import io.cacstreams.config.Durations;
import io.cacstreams.devstack.DemoStack;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/** Runs the {@link DemoStack}: an embedded broker, a registry, cac-streams, a synthetic market and a live table. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run an embedded Kafka broker, a schema registry, cac-streams and a synthetic market, "
                + "with a live table of channel economics.")
final class DemoCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions options = new ConfigOptions();

    @Mixin
    MarketOptions market = new MarketOptions();

    @Option(names = "--no-generator", description = "Leave the stack idle for your own producers.")
    boolean noGenerator;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Keep the broker's data and the state here between runs (default: a temp dir, deleted on exit).")
    Path dataDir;

    @Option(names = "--registry-dir", paramLabel = "DIR",
            description = "Where Apicurio Registry's runner jar is (default: target/apicurio next to this jar).")
    Path registryDir;

    @Option(names = "--window", defaultValue = "7", description = "Window (days) shown in the table (default ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--duration", paramLabel = "DURATION", description = "Stop by itself after this long (e.g. 5m).")
    String duration;

    @Option(names = "--plain", description = "Print snapshots instead of redrawing the table in place.")
    boolean plain;

    @Spec
    CommandSpec spec;

    private final Map<String, String> env;

    DemoCommand(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public Integer call() throws Exception {
        DemoStack.Options demo = new DemoStack.Options(options.settings(env), noGenerator ? null : market.pace(),
                dataDir, registryDir, window, duration == null ? null : Durations.parse("--duration", duration), plain);
        return DemoStack.run(demo, spec.commandLine().getOut());
    }
}
