package io.cacstreams.cli;

import io.cacstreams.config.Durations;
import io.cacstreams.devstack.DemoStack;
import io.cacstreams.report.AlertReportRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.time.Duration;
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

    @Option(names = "--alert-report", description = "Instead of the live demo: run --days of the market at full speed"
            + " (from a fixed date, --seed), score the alerts against the market's true LTV:CAC, print the report"
            + " and write it as JSON into --output-dir.")
    boolean alertReport;

    @Option(names = "--days", defaultValue = "" + AlertReportRun.Options.DEFAULT_DAYS,
            description = "Simulated days the alert report judges (default ${DEFAULT-VALUE}).")
    int days;

    @Option(names = "--output-dir", defaultValue = "target", paramLabel = "DIR",
            description = "Where the alert report's JSON goes (default ${DEFAULT-VALUE}).")
    Path outputDir;

    @Spec
    CommandSpec spec;

    /** How long the alert report may take in all (120 days take a few minutes). */
    private static final Duration REPORT_TIMEOUT = Duration.ofMinutes(30);

    private final Map<String, String> env;

    DemoCommand(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public Integer call() throws Exception {
        AlertReportRun.Options report = null;
        if (alertReport) {
            try {
                report = new AlertReportRun.Options(days, market.pace().seed(), REPORT_TIMEOUT);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
        }
        DemoStack.Options demo = new DemoStack.Options(options.settings(env), noGenerator ? null : market.pace(),
                dataDir, registryDir, window, duration == null ? null : Durations.parse("--duration", duration), plain,
                report, outputDir);
        return DemoStack.run(demo, spec.commandLine().getOut());
    }
}
