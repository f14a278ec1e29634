package io.cacstreams.bench;

import io.cacstreams.devstack.ApicurioProcess;
import io.cacstreams.cli.ConfigOptions;
import io.cacstreams.devstack.EmbeddedKafka;
import io.cacstreams.runtime.StreamsProperties;
import io.cacstreams.config.AppConfig;
import io.cacstreams.config.Durations;
import io.cacstreams.verify.ChildApp;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * {@code bench}: issue 9's measurements in one run, on the in-JVM broker and Apicurio Registry by default (what
 * {@code demo} starts), or on {@code --bootstrap-servers}/{@code --registry-url}. Prints a table with the targets
 * and writes {@code bench-<time>.json} and {@code bench-latest.json} under {@code --output-dir}. See {@link Bench}.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure cac-streams end to end: a plain consumer's rate on the same topics, `run` under "
                + "exactly-once and at-least-once (child JVMs), event-to-metric latency at a fixed rate, state per "
                + "event, peak RSS and records per task; print them next to the targets of issue 9 and write JSON.")
public final class BenchCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options = new ConfigOptions();

    @Option(names = "--events", defaultValue = "" + BenchOptions.DEFAULT_EVENTS,
            description = "Input events of the backlog (default ${DEFAULT-VALUE}).")
    long events;

    @Option(names = "--rate", defaultValue = "" + BenchOptions.DEFAULT_RATE,
            description = "Input events per second of the latency phase (default ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--latency-duration", defaultValue = "20s", paramLabel = "DURATION",
            description = "How long the latency phase produces (default ${DEFAULT-VALUE}; 0s skips it, and the task"
                    + " metrics with it).")
    String latencyDuration;

    @Option(names = "--scale-check", description = "Also run exactly-once on 4 x --events (cost per event flat?).")
    boolean scaleCheck;

    @Option(names = "--child-jvm-option", paramLabel = "OPTION",
            description = "JVM option of every child `run` (repeatable; default -Xmx512m).")
    List<String> childJvmOptions = new ArrayList<>();

    @Option(names = "--timeout", defaultValue = "30m", paramLabel = "DURATION",
            description = "How long one run may take to drain (default ${DEFAULT-VALUE}).")
    String timeout;

    @Option(names = "--seed", defaultValue = "42",
            description = "Seed of the synthetic market (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--jar", paramLabel = "JAR",
            description = "The cac-streams jar the children run (default: this one).")
    Path jar;

    @Option(names = "--work-dir", paramLabel = "DIR",
            description = "Children's logs and (deleted once measured) state directories (default: a temp dir).")
    Path workDir;

    @Option(names = "--output-dir", defaultValue = "target", paramLabel = "DIR",
            description = "Where the JSON report goes (default ${DEFAULT-VALUE}).")
    Path outputDir;

    @Option(names = "--registry-dir", paramLabel = "DIR",
            description = "Where Apicurio Registry's runner jar is (default: target/apicurio next to this jar).")
    Path registryDir;

    @Spec
    CommandSpec spec;

    private final Map<String, String> env;

    public BenchCommand(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public Integer call() throws Exception {
        Map<String, String> settings = new TreeMap<>(options.settings(env));
        Path dir = workDir != null ? Files.createDirectories(workDir) : Files.createTempDirectory("cac-bench");
        PrintStream out = System.out;
        EmbeddedKafka kafka = null;
        ApicurioProcess registry = null;
        try {
            String stack;
            if (settings.get("bootstrap.servers") == null) {
                out.println("starting an in-JVM Kafka broker and Apicurio Registry...");
                kafka = EmbeddedKafka.start(); // data in a temporary directory, deleted on close
                registry = ApicurioProcess.start(registryDir != null ? registryDir : defaultRegistryDir(),
                        dir.resolve("apicurio.log"), ApicurioProcess.DEFAULT_STARTUP_TIMEOUT);
                settings.putAll(kafka.clientProperties());
                settings.put("cac.registry.url", registry.ccompatUrl());
                stack = "in-JVM broker + Apicurio Registry (child JVM)";
            } else {
                stack = "broker " + settings.get("bootstrap.servers") + ", registry "
                        + settings.getOrDefault("cac.registry.url", "(default)");
            }
            AppConfig cfg = AppConfig.from(settings);
            Map<String, Object> clients = new TreeMap<>(StreamsProperties.adminProperties(cfg));
            clients.remove("client.id");
            BenchOptions o = new BenchOptions(events, rate, Durations.parse("--latency-duration", latencyDuration),
                    scaleCheck, jar != null ? jar : ChildApp.ownJar(),
                    childJvmOptions.isEmpty() ? BenchOptions.DEFAULT_CHILD_JVM_ARGS : childJvmOptions, dir, outputDir,
                    Durations.parse("--timeout", timeout), seed, settings);
            BenchReport report = new Bench(o, settings, clients, stack).run(out);
            out.println();
            report.print(out);
            out.println("JSON: " + report.write(outputDir) + " (and " + outputDir.resolve("bench-latest.json") + ")");
            return 0;
        } finally {
            if (registry != null) registry.close();
            if (kafka != null) kafka.close();
        }
    }

    /** target/apicurio next to target/cac-streams.jar, where the build unpacks it. */
    private static Path defaultRegistryDir() {
        try {
            return ChildApp.ownJar().getParent().resolve("apicurio");
        } catch (IllegalStateException notAJar) {
            return Path.of(System.getProperty("cac.apicurio.dir", "target/apicurio"));
        }
    }
}
