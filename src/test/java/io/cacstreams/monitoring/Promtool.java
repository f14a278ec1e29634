package io.cacstreams.monitoring;

import org.junit.jupiter.api.Assumptions;

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
 * Prometheus' own checker (Debian package prometheus). Without it a test using it fails with what to install (CI
 * installs it, see .ci/run), unless CAC_SKIP_PROMTOOL=1.
 */
public final class Promtool {
    private static final List<Path> CANDIDATES = List.of(Path.of("/usr/bin/promtool"), Path.of("/usr/local/bin/promtool"));

    public record Result(int exit, String out) {
    }

    private Promtool() {
    }

    /** The promtool to use; fails (or skips with CAC_SKIP_PROMTOOL=1) if there is none. */
    public static Path require() {
        for (Path p : CANDIDATES) {
            if (Files.isExecutable(p)) return p;
        }
        Assumptions.assumeFalse("1".equals(System.getenv("CAC_SKIP_PROMTOOL")), "CAC_SKIP_PROMTOOL=1: no promtool");
        return fail("promtool is not installed (" + CANDIDATES + "). Install Debian's prometheus package (apt-get"
                + " install prometheus; .ci/run does), or set CAC_SKIP_PROMTOOL=1 to skip this test.");
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
