package io.cacstreams.cli;

import io.cacstreams.config.AppConfig;
import io.cacstreams.runtime.TopologySource;
import io.cacstreams.serde.SchemaRegistryClient;
import io.cacstreams.serde.SchemaVersion;
import org.apache.avro.Schema;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

class MainTest {

    /** A registry client that is never called: the topology command only builds. */
    static final class UnusedRegistry implements SchemaRegistryClient {
        boolean closed;

        @Override public int register(String subject, Schema schema) { throw new UnsupportedOperationException(); }
        @Override public int lookup(String subject, Schema schema) { throw new UnsupportedOperationException(); }
        @Override public Schema getById(int id) { throw new UnsupportedOperationException(); }
        @Override public SchemaVersion latest(String subject) { throw new UnsupportedOperationException(); }
        @Override public void close() { closed = true; }
    }

    record Result(int code, String out, String err) {
    }

    private static Result run(Main.Context ctx, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = new Main(ctx).commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    private static Main.Context context(Map<String, String> env, TopologySource topology) {
        return new Main.Context(env, topology, settings -> new UnusedRegistry());
    }

    private static Result run(String... args) {
        return run(context(Map.of(), PASS_THROUGH), args);
    }

    private static final TopologySource PASS_THROUGH = (AppConfig cfg, SchemaRegistryClient registry, io.cacstreams.topology.TopologyObserver observer) -> {
        StreamsBuilder b = new StreamsBuilder();
        b.stream(cfg.topics().spend(), Consumed.with(Serdes.String(), Serdes.String()).withName("spend-source"))
                .to(cfg.topics().metrics(), Produced.with(Serdes.String(), Serdes.String()).withName("metrics-sink"));
        return b.build();
    };

    @Test
    void runWithoutBootstrapServersIsInvalid() {
        Result r = run("run");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("bootstrap.servers: required" + System.lineSeparator());
    }

    @Test
    void runWithANonPositiveThresholdIsInvalid() {
        Result r = run("run", "--bootstrap-servers", "localhost:9092", "--set", "cac.alert.threshold=0");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("cac.alert.threshold: must be > 0, was 0");
    }

    @Test
    void runWithAnUnknownCacSettingIsInvalid() {
        Result r = run("run", "--bootstrap-servers", "localhost:9092", "--set", "cac.treshold=2");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip()).startsWith("cac.treshold: unknown setting");
    }

    @Test
    void aMissingConfigFileIsInvalid() {
        Result r = run("run", "--config", "/nonexistent/cac.properties");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("--config: cannot read /nonexistent/cac.properties: no such file");
    }

    @Test
    void checkConfigPrintsEffectiveSettingsWithSecretsHidden() {
        Main.Context ctx = context(Map.of("KAFKA_BOOTSTRAP_SERVERS", "env:9092", "CAC_OPS_PORT", "9100",
                "KAFKA_SASL_JAAS_CONFIG", "PlainLoginModule required username=\"u\" password=\"p\";"), PASS_THROUGH);
        Result r = run(ctx, "run", "--check-config", "--bootstrap-servers", "flag:9092", "--state-dir", "/tmp/cac-state");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("configuration OK", "bootstrap.servers=flag:9092", "cac.ops.port=9100",
                "processing.guarantee=exactly_once_v2", "state.dir=/tmp/cac-state", "sasl.jaas.config=[hidden]");
        assertThat(r.out()).doesNotContain("password=\"p\"");
    }

    @Test
    void serviceLinkVariablesDoNotStopTheApplication() {
        Main.Context ctx = context(Map.of("CAC_STREAMS_PORT", "tcp://10.0.0.7:8080",
                "CAC_STREAMS_SERVICE_HOST", "10.0.0.7", "KAFKA_PORT", "tcp://10.0.0.9:9092"), PASS_THROUGH);
        Result r = run(ctx, "run", "--check-config", "--bootstrap-servers", "x:9092");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).doesNotContain("cac.streams", "10.0.0.");
    }

    @Test
    void aNegativeStandbyCountIsInvalid() {
        Result r = run("run", "--bootstrap-servers", "localhost:9092", "--set", "num.standby.replicas=-1");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("num.standby.replicas: must be >= 0, was -1" + System.lineSeparator());
    }

    @Test
    void topologyPrintsTheDescriptionAndClosesTheRegistry() {
        AtomicReference<UnusedRegistry> registry = new AtomicReference<>();
        Main.Context ctx = new Main.Context(Map.of(), PASS_THROUGH, s -> {
            registry.set(new UnusedRegistry());
            return registry.get();
        });
        Result r = run(ctx, "topology", "--set", "cac.topic.spend=spend-in");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("Topologies:", "Source: spend-source (topics: [spend-in])",
                "Sink: metrics-sink (topic: channel-metrics)");
        assertThat(registry.get().closed).isTrue();
    }

    @Test
    void topologyRejectsInvalidConfig() {
        Result r = run(context(Map.of(), PASS_THROUGH), "topology", "--set", "cac.windows=5h");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip()).startsWith("cac.windows: ");
    }

    @ParameterizedTest
    @ValueSource(strings = {"run", "demo", "generate", "topology", "verify"})
    void everyCommandHasHelp(String command) {
        Result r = run(command, "--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("Usage: cac-streams " + command, "--help");
    }

    @Test
    void topLevelHelpListsTheCommands() {
        Result r = run("--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("run", "demo", "generate", "topology", "verify");
    }

    @Test
    void noCommandOrAnUnknownOptionIsAUsageError() {
        assertThat(run().code()).isEqualTo(2);
        assertThat(run("run", "--no-such-flag").code()).isEqualTo(2);
    }
}
