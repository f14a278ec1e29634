package io.cacstreams.testing;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Debian packages a test needs (a tool, a browser, a client library), found installed or got by the test itself, so
 * that {@code mvn verify} passes on a fresh Debian machine with only Java and Maven, and nothing is installed behind
 * the user's back. What is missing is fetched with {@code apt-get download} (from the machine's own Debian mirror, no
 * root needed) and unpacked with {@code dpkg-deb -x} into {@code target/debian-<name>/root}: the named packages and
 * those of their dependencies that are not installed, as apt's own resolver picks them (what {@code apt-get install
 * --simulate --no-install-recommends} would install). The unpacked tree is reused by later runs, until
 * {@code mvn clean}. As root, on a machine whose package lists were never fetched (a fresh container),
 * {@code apt-get update} runs first.
 *
 * <p>{@code CAC_FETCH_DEBS=1} (or {@code -Dcac.fetch.debs=true}) ignores installed copies of the named packages and
 * fetches them anyway: it tests this fallback on a machine that has them.
 */
public final class DebianPackages {
    public static final String FORCE_VARIABLE = "CAC_FETCH_DEBS";
    private static final Pattern TO_INSTALL = Pattern.compile("^Inst (\\S+) ", Pattern.MULTILINE);
    private static final Pattern SHARED_LIBRARY = Pattern.compile(".*\\.so(\\.\\d+)*");
    private static final Duration APT_TIMEOUT = Duration.ofMinutes(10);
    private static final Path ROOT = Path.of("/");

    /**
     * Where the packages' files are: {@code /} if they are installed, else the unpacked tree, with the variable that
     * lets its programs find its shared libraries.
     *
     * @param unpacked the packages unpacked in {@code root}; empty if the installed ones are used
     */
    public record Tree(Path root, Map<String, String> env, List<String> unpacked) {

        /** {@code file}, an absolute path as installed (/usr/bin/promtool), in this tree. */
        public Path file(String file) {
            return root.resolve(ROOT.relativize(Path.of(file)));
        }

        /** Where the files come from, for the test's output. */
        public String origin() {
            return unpacked.isEmpty() ? "installed" : packages(unpacked.size()) + " unpacked in " + root;
        }
    }

    /** Which dependencies of the named packages to fetch with them. */
    public enum Dependencies {
        /** Those apt would install (the default). */
        MISSING,
        /**
         * None: for programs known to need nothing but the C library, such as Debian's static Go binaries, whose
         * packages depend on things the tests do not use (prometheus on 200 MB of JavaScript for its web UI).
         */
        NONE
    }

    /** Why the packages are neither installed nor could be fetched, with what the user can do. */
    public static final class Unavailable extends Exception {
        public Unavailable(String problem, List<String> packages) {
            super(problem + ". Install Debian's " + String.join(" ", packages) + " (or let the test fetch them: it"
                    + " needs apt-get and dpkg-deb, and the package lists, which `apt-get update` fetches)");
        }
    }

    private record Run(int exit, String output) {
    }

    private DebianPackages() {
    }

    /**
     * The installed {@code files} (absolute paths) if they are all there, else {@code packages} unpacked under
     * {@code target/debian-<name>} (see {@link #unpack}); fails if they do not have the files either.
     */
    public static Tree find(String name, List<String> packages, Dependencies dependencies, String... files)
            throws Unavailable, IOException, InterruptedException {
        Tree installed = new Tree(ROOT, Map.of(), List.of());
        if (!forced() && Stream.of(files).allMatch(f -> Files.isExecutable(installed.file(f)))) return installed;
        Tree tree = unpack(name, packages, dependencies);
        List<String> absent = Stream.of(files).filter(f -> !Files.isExecutable(tree.file(f))).toList();
        if (!absent.isEmpty()) throw new Unavailable("no " + absent + " in " + tree.origin(), packages);
        return tree;
    }

    /**
     * {@code packages} and (unless {@link Dependencies#NONE}) their dependencies that are not installed, downloaded
     * and unpacked in {@code target/debian-<name>/root} unless an earlier run did (for the same request).
     */
    public static Tree unpack(String name, List<String> packages, Dependencies dependencies)
            throws Unavailable, IOException, InterruptedException {
        Path work = Path.of(System.getProperty("basedir", ".")).resolve("target").resolve("debian-" + name);
        Path root = work.resolve("root");
        Path complete = work.resolve("complete");
        String request = String.join(" ", packages) + " " + dependencies;
        if (!Files.exists(complete) || !Files.readAllLines(complete).get(0).equals(request)) {
            fetch(work, packages, dependencies, request);
        }
        List<String> lines = Files.readAllLines(complete);
        return new Tree(root, environment(root), lines.subList(1, lines.size()));
    }

    /** True when installed copies are to be ignored ({@code CAC_FETCH_DEBS=1} or {@code -Dcac.fetch.debs=true}). */
    public static boolean forced() {
        return "1".equals(System.getenv(FORCE_VARIABLE)) || Boolean.getBoolean("cac.fetch.debs");
    }

    /** Skips the calling test if {@code skipVariable=1}, else fails it with {@code e}'s advice; never returns. */
    public static <T> T skipOrFail(Unavailable e, String skipVariable) {
        Assumptions.assumeFalse("1".equals(System.getenv(skipVariable)), skipVariable + "=1, skipped: "
                + e.getMessage());
        return fail(e.getMessage() + ", or set " + skipVariable + "=1 to skip this test");
    }

    private static void fetch(Path work, List<String> packages, Dependencies dependencies, String request)
            throws Unavailable, IOException, InterruptedException {
        if (!onPath("apt-get") || !onPath("dpkg-deb")) throw new Unavailable("no apt-get or dpkg-deb here", packages);
        long t0 = System.nanoTime();
        Run simulated = simulate(packages);
        if (simulated.exit() != 0 && isRoot()) {
            // a fresh container has no package lists yet
            Run update = run(tool("apt-get", "update", "-qq"), APT_TIMEOUT);
            if (update.exit() != 0) {
                throw new Unavailable("apt-get update failed: " + lastLine(update.output()), packages);
            }
            simulated = simulate(packages);
        }
        if (simulated.exit() != 0) {
            throw new Unavailable("apt-get cannot resolve the packages: " + lastLine(simulated.output()), packages);
        }
        // the named packages even if installed (forced, or installed without the files a test looks for), and the
        // dependencies apt would install
        TreeSet<String> missing = new TreeSet<>(packages);
        if (dependencies == Dependencies.MISSING) missing.addAll(names(simulated.output()));
        deleteRecursively(work);
        Path debs = Files.createDirectories(work.resolve("debs"));
        List<String> download = new ArrayList<>(List.of("apt-get", "download", "-q"));
        download.addAll(missing);
        Run fetched = run(tool(download.toArray(String[]::new)).directory(debs.toFile()), APT_TIMEOUT);
        if (fetched.exit() != 0) {
            throw new Unavailable("apt-get download failed: " + lastLine(fetched.output()), packages);
        }
        Path staging = Files.createDirectories(work.resolve("root.partial"));
        try (Stream<Path> files = Files.list(debs)) {
            for (Path deb : files.filter(f -> f.toString().endsWith(".deb")).sorted().toList()) {
                Run x = run(tool("dpkg-deb", "-x", deb.toString(), staging.toString()), APT_TIMEOUT);
                if (x.exit() != 0) {
                    throw new Unavailable("dpkg-deb -x " + deb + " failed: " + lastLine(x.output()), packages);
                }
            }
        }
        // the unpacked tree is what later runs use; the archives (chromium's are 100 MB) are not kept
        long archives = size(debs);
        deleteRecursively(debs);
        Files.move(staging, work.resolve("root"), StandardCopyOption.ATOMIC_MOVE);
        Files.writeString(work.resolve("complete"), request + "\n" + String.join("\n", missing) + "\n",
                StandardCharsets.UTF_8);
        System.out.printf("%s: %s (%d MB) fetched and unpacked in %d ms%n", work.getFileName(),
                packages(missing.size()), archives >> 20, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
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

    /**
     * LD_LIBRARY_PATH: every directory of the tree holding shared libraries (usr/lib/x86_64-linux-gnu, its
     * pulseaudio/ that libpulse finds by an absolute RUNPATH, usr/lib/chromium, ...), Python's modules left out. (No
     * fonts: Java's own dependencies install fontconfig and DejaVu.)
     */
    private static Map<String, String> environment(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            String path = walk.filter(p -> SHARED_LIBRARY.matcher(p.getFileName().toString()).matches())
                    .filter(p -> !p.toString().contains("/dist-packages/"))
                    .map(p -> p.getParent().toString()).distinct().sorted().collect(Collectors.joining(":"));
            return path.isEmpty() ? Map.of() : Map.of("LD_LIBRARY_PATH", path);
        }
    }

    private static String packages(int count) {
        return count + (count == 1 ? " Debian package" : " Debian packages");
    }

    private static long size(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            long total = 0;
            for (Path p : walk.filter(Files::isRegularFile).toList()) total += Files.size(p);
            return total;
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
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
        Path log = Files.createTempFile("debian-packages-", ".log");
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

    /** The last line of a tool's output: its error, for a message. */
    public static String lastLine(String text) {
        String[] lines = text.strip().split("\\R");
        return lines[lines.length - 1];
    }
}
