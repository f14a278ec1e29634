package io.cacstreams.e2e;

import io.cacstreams.testing.DebianPackages;
import io.cacstreams.testing.DebianPackages.Dependencies;
import io.cacstreams.testing.DebianPackages.Unavailable;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Python interpreter with Debian's Kafka client (python3-confluent-kafka on librdkafka, python3-avro,
 * python3-requests), found or got by the test itself, so that {@code mvn verify} passes on a fresh Debian machine
 * that has only Java and Maven, and nothing is installed behind the user's back:
 * <ol>
 *   <li>{@code /usr/bin/python3}, if it imports the modules (the packages are installed; not with
 *       {@code CAC_FETCH_DEBS=1});</li>
 *   <li>else the packages and whatever of their dependencies is missing (python3 itself included if absent),
 *       unpacked under {@code target/debian-python} by {@link DebianPackages}; the interpreter then runs with
 *       {@code PYTHONPATH} and {@code LD_LIBRARY_PATH} pointing there.</li>
 * </ol>
 * Either way only Debian's interpreter and packages are used: no virtualenv, pyenv or user site-packages.
 */
final class DebianPython {
    static final List<String> PACKAGES = List.of("python3-confluent-kafka", "python3-avro", "python3-requests");
    static final String PROBE = "import confluent_kafka, confluent_kafka.avro, avro, requests; print('confluent-kafka',"
            + " confluent_kafka.version()[0], 'librdkafka', confluent_kafka.libversion()[0], 'avro', avro.__version__,"
            + " 'requests', requests.__version__)";
    private static final Path SYSTEM_PYTHON = Path.of("/usr/bin/python3");

    /** How to run Python: the executable and the variables that point it at the unpacked packages (if any). */
    record Interpreter(Path executable, Map<String, String> env, String versions) {

        /** A process running this interpreter with {@code args}, in a clean Python environment. */
        ProcessBuilder command(List<String> args) {
            List<String> command = new ArrayList<>();
            command.add(executable.toString());
            command.addAll(args);
            ProcessBuilder pb = new ProcessBuilder(command);
            Map<String, String> e = pb.environment();
            e.remove("PYTHONPATH");
            e.remove("PYTHONHOME");
            e.remove("PYTHONSTARTUP");
            e.put("PYTHONNOUSERSITE", "1");
            e.put("PYTHONDONTWRITEBYTECODE", "1");
            e.put("PYTHONIOENCODING", "utf-8");
            e.putAll(env);
            return pb;
        }
    }

    private record Run(int exit, String output) {
    }

    private DebianPython() {
    }

    /** The system interpreter if it has the client, else one with the packages unpacked under target/. */
    static Interpreter find() throws Unavailable, IOException, InterruptedException {
        Interpreter system = new Interpreter(SYSTEM_PYTHON, Map.of(), "");
        if (Files.isExecutable(SYSTEM_PYTHON) && !DebianPackages.forced()) {
            Run probe = probe(system);
            if (probe.exit() == 0) return new Interpreter(SYSTEM_PYTHON, Map.of(), probe.output().strip());
        }
        DebianPackages.Tree tree = DebianPackages.unpack("python", PACKAGES, Dependencies.MISSING);
        Path unpackedPython = tree.file(SYSTEM_PYTHON.toString());
        Map<String, String> env = new HashMap<>(tree.env());
        env.put("PYTHONPATH", tree.file("/usr/lib/python3/dist-packages").toString());
        Interpreter unpacked = new Interpreter(Files.exists(unpackedPython) ? unpackedPython : SYSTEM_PYTHON,
                Map.copyOf(env), "");
        Run probe = probe(unpacked);
        if (probe.exit() != 0) {
            throw new Unavailable("the packages " + tree.origin() + " do not import: "
                    + DebianPackages.lastLine(probe.output()), PACKAGES);
        }
        return new Interpreter(unpacked.executable(), unpacked.env(), probe.output().strip() + " (" + tree.origin()
                + ")");
    }

    private static Run probe(Interpreter python) throws IOException, InterruptedException {
        Path log = Files.createTempFile("debian-python-", ".log");
        try {
            Process p = python.command(List.of("-c", PROBE)).redirectErrorStream(true).redirectOutput(log.toFile())
                    .start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Run(-1, python.executable() + " did not answer within 30 s");
            }
            return new Run(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
