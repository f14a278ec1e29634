package io.cacstreams.monitoring;

import io.cacstreams.testing.DebianPackages;
import io.cacstreams.testing.DebianPackages.Dependencies;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Prometheus' own checker (Debian package prometheus): the installed one, else the package unpacked under
 * target/debian-prometheus ({@link DebianPackages}). Where neither is possible a test using it fails with what to
 * install, unless CAC_SKIP_PROMTOOL=1.
 */
public final class Promtool {
    private static final String BINARY = "/usr/bin/promtool";
    private static final Path LOCAL = Path.of("/usr/local/bin/promtool");
    private static Path found;

    public record Result(int exit, String out) {
    }

    private Promtool() {
    }

    /** The promtool to use (got once per JVM); fails (or skips with CAC_SKIP_PROMTOOL=1) if there is none. */
    public static synchronized Path require() throws IOException, InterruptedException {
        if (found != null) return found;
        if (Files.isExecutable(LOCAL) && !Files.isExecutable(Path.of(BINARY)) && !DebianPackages.forced()) {
            found = LOCAL;
            return found;
        }
        try {
            // a Go binary needing only the C library: no library path to pass
            DebianPackages.Tree tree = DebianPackages.find("prometheus", List.of("prometheus"), Dependencies.NONE,
                    BINARY);
            found = tree.file(BINARY);
            System.out.println("promtool: " + found + " (" + tree.origin() + ")");
            return found;
        } catch (DebianPackages.Unavailable e) {
            return DebianPackages.skipOrFail(e, "CAC_SKIP_PROMTOOL");
        }
    }

    /** Runs promtool with {@code args}, {@code stdin} (may be null) as its input; output and errors together. */
    public static Result run(String stdin, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(require().toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(cannot read promtool's output: " + e + ")";
            }
        });
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("promtool " + String.join(" ", args) + " did not finish within 60 s");
        }
        return new Result(p.exitValue(), out.join());
    }
}
