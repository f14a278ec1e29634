package io.cacstreams.cli;

import io.cacstreams.bench.BenchCommand;
import io.cacstreams.bridge.AlertBridgeCommand;
import io.cacstreams.config.ConfigException;
import io.cacstreams.config.RegistrySettings;
import io.cacstreams.runtime.TopologySource;
import io.cacstreams.serde.SchemaRegistryClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.Map;
import java.util.function.Function;

/**
 * The {@code cac-streams} command line. Exit codes: 0 done, 1 failed (or not available in this build), 2 invalid
 * configuration or usage, with a one-line message on stderr.
 */
@Command(name = "cac-streams", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Rolling per-channel acquisition economics (CPL, CAC, LTV, LTV:CAC, payback) on Kafka Streams.",
        synopsisSubcommandLabel = "COMMAND")
public final class Main implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(Main.class);
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILED = 1;
    public static final int EXIT_INVALID = 2;

    /** What the commands depend on, so that tests can replace it. */
    public record Context(Map<String, String> env, TopologySource topology,
                          Function<RegistrySettings, SchemaRegistryClient> registry) {
    }

    private final Context context;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public Main(Context context) {
        this.context = context;
    }

    /** The real process: the environment, the topology of {@code io.cacstreams.topology}, the real registry. */
    public static Context production() {
        return new Context(System.getenv(), TopologySource.CAC, SchemaRegistryClient::create);
    }

    public static void main(String[] args) {
        System.exit(new Main(production()).commandLine().execute(args));
    }

    public CommandLine commandLine() {
        CommandLine cl = new CommandLine(this);
        cl.addSubcommand(new RunCommand(context));
        cl.addSubcommand(new DemoCommand(context.env()));
        cl.addSubcommand(new GenerateCommand(context.env()));
        cl.addSubcommand(new TopologyCommand(context));
        cl.addSubcommand(new VerifyCommand(context.env()));
        cl.addSubcommand(new AlertBridgeCommand(context.env()));
        cl.addSubcommand(new BenchCommand(context.env()));
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            if (e instanceof ConfigException) {
                line.getErr().println(e.getMessage());
                return EXIT_INVALID;
            }
            log.debug("command failed", e);
            line.getErr().println(e.getMessage() == null ? e.toString() : e.getMessage());
            return EXIT_FAILED;
        });
        return cl;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is needed (see --help)");
    }

    static SchemaRegistryClient openRegistry(Context context, RegistrySettings settings) {
        return context.registry().apply(settings);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"cac-streams " + (v == null ? "(development build)" : v)};
        }
    }
}
