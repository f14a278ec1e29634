package io.cacstreams.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The container image as a container runtime would run it, without one (no Docker engine, no registry here):
 * deploy/image/build.sh builds it (the Debian base with debootstrap, then Jib from pom.xml), its root file system is
 * unpacked layer by layer, and the image's entrypoint runs in a chroot (own mount and PID namespaces, /proc mounted),
 * as the image's user, with the image's environment: {@code --help}, and {@code run --check-config} with a Kubernetes
 * service link in the environment.
 * <p>Needs root (debootstrap, chroot) on Debian; elsewhere it is skipped, saying why.
 */
class ContainerImageIT {
    private static final Path OUT = Path.of("target/image");
    private static final Path ROOTFS = OUT.resolve("unpacked");
    private static JsonNode config;

    private record Run(int exit, String output) {
    }

    @BeforeAll
    static void buildAndUnpack() throws Exception {
        Assumptions.assumeTrue(run(List.of("id", "-u"), Map.of(), Duration.ofSeconds(10)).output().strip().equals("0"),
                "building the image needs root (debootstrap, chroot)");
        Assumptions.assumeTrue(Files.exists(Path.of("/etc/debian_version")), "building the image needs Debian");
        long t0 = System.nanoTime();
        Run built = run(List.of("bash", "deploy/image/build.sh", "--no-package"),
                Map.of("MVN", System.getProperty("cac.mvn", "mvn")), Duration.ofMinutes(15));
        assertThat(built.exit()).as(built.output()).isZero();
        long t1 = System.nanoTime();
        Path image = OUT.resolve("cac-streams.tar");
        Path extracted = Files.createDirectories(OUT.resolve("extracted"));
        assertThat(run(List.of("tar", "-xf", image.toString(), "-C", extracted.toString()), Map.of(),
                Duration.ofMinutes(5)).exit()).isZero();
        JsonNode manifest = DeploymentSchemas.JSON.readTree(extracted.resolve("manifest.json").toFile()).get(0);
        assertThat(manifest.path("RepoTags").get(0).asText()).isEqualTo(ContainerImage.NAME);
        config = DeploymentSchemas.JSON.readTree(extracted.resolve(manifest.path("Config").asText()).toFile());
        run(List.of("rm", "-rf", ROOTFS.toString()), Map.of(), Duration.ofMinutes(2));
        Files.createDirectories(ROOTFS);
        for (JsonNode layer : manifest.path("Layers")) {
            Run x = run(List.of("tar", "--numeric-owner", "-xzf", extracted.resolve(layer.asText()).toString(),
                    "-C", ROOTFS.toString()), Map.of(), Duration.ofMinutes(5));
            assertThat(x.exit()).as(x.output()).isZero();
        }
        System.out.printf("image built in %d s, unpacked in %d s (%s)%n", TimeUnit.NANOSECONDS.toSeconds(t1 - t0),
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t1), image);
    }

    /** The image's entrypoint (and command) with {@code args}, as its user, in a chroot of its file system. */
    private static Run container(Map<String, String> extraEnv, String... args) throws Exception {
        JsonNode c = config.path("config");
        List<String> env = new ArrayList<>();
        c.path("Env").forEach(e -> env.add(e.asText()));
        extraEnv.forEach((k, v) -> env.add(k + "=" + v));
        List<String> command = new ArrayList<>();
        c.path("Entrypoint").forEach(e -> command.add(e.asText()));
        command.addAll(List.of(args));
        // a container has its own /proc: the java launcher finds its libraries through /proc/self/exe
        String script = "root=$0; user=$1; shift; mount -t proc proc \"$root/proc\" "
                + "&& exec chroot --userspec=\"$user\" \"$root\" env -i \"$@\"";
        List<String> cmd = new ArrayList<>(List.of("unshare", "--mount", "--pid", "--fork", "sh", "-c", script,
                ROOTFS.toAbsolutePath().toString(), c.path("User").asText()));
        cmd.addAll(env);
        cmd.addAll(command);
        return run(cmd, Map.of(), Duration.ofMinutes(2));
    }

    @Test
    void theImageRunsAsAnUnprivilegedUserWithItsStateDirectory() throws IOException {
        JsonNode c = config.path("config");
        assertThat(c.path("User").asText()).isEqualTo("10001:10001");
        assertThat(c.path("ExposedPorts").has("8080/tcp")).isTrue();
        assertThat(c.path("Volumes").has("/var/lib/cac-streams")).isTrue();
        PosixFileAttributes state = Files.readAttributes(ROOTFS.resolve("var/lib/cac-streams"),
                PosixFileAttributes.class);
        assertThat(state.owner().getName()).isIn("10001", "cac");
        assertThat(Files.readString(ROOTFS.resolve("usr/share/cac-streams/base-packages.txt")))
                .contains("openjdk-17-jre-headless ");
    }

    @Test
    void theEntrypointPrintsTheHelp() throws Exception {
        Run help = container(Map.of(), "--help");
        assertThat(help.exit()).as(help.output()).isZero();
        assertThat(help.output()).contains("Usage: cac-streams", "run", "generate");
    }

    @Test
    void runChecksItsConfigurationAndIgnoresServiceLinks() throws Exception {
        Run check = container(Map.of("CAC_STREAMS_PORT", "tcp://10.0.0.7:8080", "KAFKA_BOOTSTRAP_SERVERS", "x:9092"),
                "run", "--check-config");
        assertThat(check.exit()).as(check.output()).isZero();
        assertThat(check.output()).contains("configuration OK", "bootstrap.servers=x:9092",
                "not cac-streams settings", "CAC_STREAMS_PORT");
        Run invalid = container(Map.of("KAFKA_BOOTSTRAP_SERVERS", "x:9092"), "run", "--set", "cac.treshold=2");
        assertThat(invalid.exit()).as(invalid.output()).isEqualTo(2);
        assertThat(invalid.output()).contains("cac.treshold: unknown setting");
    }

    private static Run run(List<String> command, Map<String, String> env, Duration timeout)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(new TreeMap<>(env));
        Path log = Files.createTempFile("container-image-", ".log");
        try {
            Process p = pb.redirectOutput(log.toFile()).start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout);
            }
            return new Run(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
