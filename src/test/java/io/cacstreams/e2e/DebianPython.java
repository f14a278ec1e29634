package io.cacstreams.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A Python interpreter with Debian's Kafka client (python3-confluent-kafka on librdkafka, python3-avro,
 * python3-requests), found or got by the test itself, so that {@code mvn verify} passes on a fresh Debian machine
 * that has only Java and Maven, and nothing is installed behind the user's back:
 * <ol>
 *   <li>{@code /usr/bin/python3}, if it imports the modules (the packages are installed);</li>
 *   <li>else the Debian packages missing for them (what {@code apt-get install --simulate} would install, python3
 *       itself included if absent) are fetched with {@code apt-get download} (from the machine's own Debian mirror,
 *       no root needed) into {@code <work>/debs} and unpacked with {@code dpkg-deb -x} into {@code <work>/root}; the
 *       interpreter then runs with {@code PYTHONPATH} and {@code LD_LIBRARY_PATH} pointing there. The unpacked tree
 *       is reused by later runs (until {@code mvn clean}). As root, on a machine whose package lists were never
 *       fetched (a fresh container), {@code apt-get update} runs first.</li>
 * </ol>
 * Either way only Debian's interpreter and packages are used: no virtualenv, pyenv or user site-packages.
 */
final class DebianPython {
    static final List<String> PACKAGES = List.of("python3-confluent-kafka", "python3-avro", "python3-requests");
    static final String PROBE = "import confluent_kafka, confluent_kafka.avro, avro, requests; print('confluent-kafka',"
            + " confluent_kafka.version()[0], 'librdkafka', confluent_kafka.libversion()[0], 'avro', avro.__version__,"
            + " 'requests', requests.__version__)";
    private static final Path SYSTEM_PYTHON = Path.of("/usr/bin/python3");
    private static final Pattern TO_INSTALL = Pattern.compile("^Inst (\\S+) ", Pattern.MULTILINE);
    private static final Pattern SHARED_LIBRARY = Pattern.compile(".*\\.so(\\.\\d+)*");
    private static final Duration APT_TIMEOUT = Duration.ofMinutes(5);

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

    /** What went wrong getting the client, with what the user can do. */
    static final class Unavailable extends Exception {
        Unavailable(String message) {
            super(message + ". Install Debian's " + String.join(" ", PACKAGES) + " (or let this test fetch them:"
                    + " it needs apt-get and dpkg-deb, and the package lists, which `apt-get update` fetches), or set"
                    + " CAC_SKIP_PYTHON=1 to skip this test");
        }
    }

    private record Run(int exit, String output) {
    }

    private DebianPython() {
    }

    /** The system interpreter if it has the client, else one with the packages unpacked under {@code work}. */
    static Interpreter find(Path work) throws Unavailable, IOException, InterruptedException {
        Interpreter system = new Interpreter(SYSTEM_PYTHON, Map.of(), "");
        if (Files.isExecutable(SYSTEM_PYTHON)) {
            Run probe = run(system.command(List.of("-c", PROBE)), Duration.ofSeconds(30));
            if (probe.exit() == 0) return new Interpreter(SYSTEM_PYTHON, Map.of(), probe.output().strip());
        }
        Path root = work.resolve("root");
        if (!Files.exists(work.resolve("complete"))) unpack(work, root);
        Path unpackedPython = root.resolve("usr/bin/python3");
        Interpreter unpacked = new Interpreter(Files.exists(unpackedPython) ? unpackedPython : SYSTEM_PYTHON,
                Map.of("PYTHONPATH", root.resolve("usr/lib/python3/dist-packages").toString(),
                        "LD_LIBRARY_PATH", libraryPath(root)), "");
        Run probe = run(unpacked.command(List.of("-c", PROBE)), Duration.ofSeconds(30));
        if (probe.exit() != 0) {
            throw new Unavailable("the packages unpacked in " + root + " do not import: " + lastLine(probe.output()));
        }
        return new Interpreter(unpacked.executable(), unpacked.env(),
                probe.output().strip() + " (Debian packages unpacked in " + root + ")");
    }

    private static void unpack(Path work, Path root) throws Unavailable, IOException, InterruptedException {
        if (!onPath("apt-get") || !onPath("dpkg-deb")) throw new Unavailable("no apt-get or dpkg-deb on this machine");
        List<String> wanted = new ArrayList<>(List.of("python3"));
        wanted.addAll(PACKAGES);
        Run simulated = simulate(wanted);
        if (simulated.exit() != 0 && isRoot()) {
            // a fresh container has no package lists yet
            Run update = run(tool("apt-get", "update", "-qq"), APT_TIMEOUT);
            if (update.exit() != 0) throw new Unavailable("apt-get update failed: " + lastLine(update.output()));
            simulated = simulate(wanted);
        }
        if (simulated.exit() != 0) {
            throw new Unavailable("apt-get cannot resolve the packages: " + lastLine(simulated.output()));
        }
        List<String> missing = new ArrayList<>(new TreeSet<>(names(simulated.output())));
        if (missing.isEmpty()) {
            throw new Unavailable("the packages are installed but " + SYSTEM_PYTHON + " cannot import them");
        }
        Path debs = Files.createDirectories(work.resolve("debs"));
        List<String> download = new ArrayList<>(List.of("apt-get", "download", "-q"));
        download.addAll(missing);
        Run fetched = run(tool(download.toArray(String[]::new)).directory(debs.toFile()), APT_TIMEOUT);
        if (fetched.exit() != 0) throw new Unavailable("apt-get download failed: " + lastLine(fetched.output()));
        Files.createDirectories(root);
        try (Stream<Path> files = Files.list(debs)) {
            for (Path deb : files.filter(f -> f.toString().endsWith(".deb")).sorted().toList()) {
                Run x = run(tool("dpkg-deb", "-x", deb.toString(), root.toString()), APT_TIMEOUT);
                if (x.exit() != 0) throw new Unavailable("dpkg-deb -x " + deb + " failed: " + lastLine(x.output()));
            }
        }
        Files.writeString(work.resolve("complete"), String.join("\n", missing) + "\n");
    }

    private static Run simulate(List<String> packages) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("apt-get", "install", "--simulate", "--no-install-recommends"));
        command.addAll(packages);
        return run(tool(command.toArray(String[]::new)), APT_TIMEOUT);
    }

    /** The packages an {@code apt-get install --simulate} would install. */
    static List<String> names(String simulation) {
        List<String> out = new ArrayList<>();
        Matcher m = TO_INSTALL.matcher(simulation);
        while (m.find()) out.add(m.group(1));
        return out;
    }

    /** Every directory of the unpacked tree holding shared libraries (usr/lib/<triplet>, lib/<triplet>, ...). */
    private static String libraryPath(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(p -> SHARED_LIBRARY.matcher(p.getFileName().toString()).matches())
                    .filter(p -> !p.toString().contains("/dist-packages/"))
                    .map(p -> p.getParent().toString()).distinct().sorted().collect(Collectors.joining(":"));
        }
    }

    private static boolean onPath(String tool) {
        return Stream.of(System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":"))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
    }

    private static boolean isRoot() throws IOException, InterruptedException {
        return run(tool("id", "-u"), Duration.ofSeconds(10)).output().strip().equals("0");
    }

    /** A system tool, its messages in English (they are parsed) and never asking questions. */
    private static ProcessBuilder tool(String... command) {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("LC_ALL", "C");
        pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
        return pb;
    }

    private static Run run(ProcessBuilder pb, Duration timeout) throws IOException, InterruptedException {
        Path log = Files.createTempFile("debian-python-", ".log");
        try {
            Process p = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return new Run(-1, String.join(" ", pb.command()) + " did not finish within " + timeout);
            }
            return new Run(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(log);
        }
    }

    static String lastLine(String text) {
        String[] lines = text.strip().split("\\R");
        return lines[lines.length - 1];
    }
}
