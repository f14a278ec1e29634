package io.cacstreams.cli;

import io.cacstreams.config.AppConfig;
import io.cacstreams.devstack.ApicurioProcess;
import io.cacstreams.devstack.EmbeddedKafka;
import io.cacstreams.verify.VerifyRun;
import io.cacstreams.verify.VerifySummary;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged jar as users run it, in a separate JVM: an invalid configuration is refused with exit status 2 and a
 * one-line message naming the setting; `topology` prints the committed topology-docs text; and `run` against a real
 * broker and a real schema registry produces exactly the figures an independent recomputation expects.
 */
class PackagedJarIT {
    private static final Path JAR = Path.of(System.getProperty("cac.jar", "target/cac-streams.jar"));
    private static EmbeddedKafka kafka;
    private static ApicurioProcess registry;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        kafka = EmbeddedKafka.start();
        registry = ApicurioProcess.start(Path.of(System.getProperty("cac.apicurio.dir", "target/apicurio")),
                dir.resolve("apicurio.log"), ApicurioProcess.DEFAULT_STARTUP_TIMEOUT);
    }

    @AfterAll
    static void stop() {
        if (registry != null) registry.close();
        if (kafka != null) kafka.close();
    }

    private record Result(int code, String out) {
    }

    private static Result jar(String... args) throws Exception {
        return jar(Map.of(), args);
    }

    private static Result jar(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-jar",
                JAR.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("exited").isTrue();
        return new Result(p.exitValue(), out);
    }

    @Test
    void anInvalidConfigurationIsRefusedWithTheSettingNamed() throws Exception {
        Result r = jar("run", "--bootstrap-servers", kafka.bootstrapServers(), "--set", "cac.alert.threshold=0");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.out().strip()).endsWith("cac.alert.threshold: must be > 0, was 0");
        Result noBootstrap = jar("run");
        assertThat(noBootstrap.code()).isEqualTo(2);
        assertThat(noBootstrap.out()).contains("bootstrap.servers: required");
        Result window = jar("run", "--bootstrap-servers", "x:1", "--set", "cac.windows=7d,banana");
        assertThat(window.code()).isEqualTo(2);
        assertThat(window.out()).contains("cac.windows:");
    }

    @Test
    void kubernetesServiceLinksAreIgnoredWithOneWarning() throws Exception {
        Result r = jar(Map.of("CAC_STREAMS_PORT", "tcp://127.0.0.1:8080", "CAC_STREAMS_SERVICE_HOST", "127.0.0.1"),
                "run", "--check-config", "--bootstrap-servers", "x:9092");
        assertThat(r.code()).as(r.out()).isZero();
        assertThat(r.out()).contains("configuration OK");
        assertThat(r.out().lines().filter(l -> l.contains("WARN"))).singleElement().asString()
                .endsWith("): CAC_STREAMS_PORT, CAC_STREAMS_SERVICE_HOST")
                .contains("not cac-streams settings");
    }

    @Test
    void topologyPrintsWhatTopologyDocsHolds() throws Exception {
        Result r = jar("topology");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains(Files.readString(Path.of("topology-docs/topology.txt")).strip());
    }

    @Test
    void runOnARealBrokerAndRegistryProducesTheExpectedFigures(@TempDir Path work) throws Exception {
        Map<String, String> s = new TreeMap<>(kafka.clientProperties());
        s.put("cac.registry.url", registry.ccompatUrl());
        s.put("cac.ops.port", "0");
        s.put("cac.query.port", "0");
        VerifyRun.Options o = new VerifyRun.Options(6, 0.2, 11, 0.02, 0.02, 0, Duration.ofMinutes(3), JAR,
                List.of("-Xmx384m"), work);
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        VerifySummary summary = new VerifyRun(AppConfig.from(s), new HashMap<>(kafka.clientProperties()), o)
                .run(new PrintStream(buf, true, StandardCharsets.UTF_8));
        summary.print(new PrintStream(buf, true, StandardCharsets.UTF_8));
        System.out.println(buf);
        assertThat(summary.mismatches()).as(buf.toString()).isEmpty();
        assertThat(summary.pending()).as(buf.toString()).isNull();
        assertThat(summary.metricsChecked()).isEqualTo(21);
    }
}
