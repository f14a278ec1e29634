package io.cacstreams.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cacstreams.devstack.ApicurioProcess;
import io.cacstreams.devstack.EmbeddedKafka;
import io.cacstreams.config.TopicNames;
import io.cacstreams.events.AlertRule;
import io.cacstreams.events.AlertSeverity;
import io.cacstreams.events.AlertStatus;
import io.cacstreams.events.ChannelAlert;
import io.cacstreams.events.ChannelMetrics;
import io.cacstreams.events.Churn;
import io.cacstreams.events.Conversion;
import io.cacstreams.events.DeadLetter;
import io.cacstreams.events.DeadLetterReason;
import io.cacstreams.events.FxRate;
import io.cacstreams.events.Lead;
import io.cacstreams.events.MarketingSpend;
import io.cacstreams.events.MetricStatus;
import io.cacstreams.testing.DebianPackages;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.cacstreams.e2e.Events.close;
import static io.cacstreams.e2e.Events.near;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The Confluent wire format against a client the project did not write: Debian's python3-confluent-kafka
 * (librdkafka) and its legacy {@code confluent_kafka.avro} serializer (on python3-avro), run with Debian's python3
 * (src/test/python/wire_compat.py), against the same Apicurio registry as cac-streams. Python produces the inputs
 * (decimal amounts as Decimal with scale 4, timestamp-millis as datetimes) with the schemas in schemas/; cac-streams
 * must count them exactly; then Python consumes every output record (metrics, alerts, dead letters), decodes it
 * through the registry, and it must equal what cac-streams' own serde reads, field by field.
 *
 * <p>The test gets the Debian packages by itself if they are not installed ({@link DebianPython}: downloaded and
 * unpacked under target/, nothing installed); where that is impossible (no apt-get, no package lists and not root)
 * it fails saying what to install, unless CAC_SKIP_PYTHON=1.
 */
class PythonWireCompatIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path BASE = Path.of(System.getProperty("basedir", "."));
    private static final Path SCRIPT = BASE.resolve("src/test/python/wire_compat.py");
    private static final Path SCHEMAS = BASE.resolve("schemas");
    private static EmbeddedKafka kafka;
    private static ApicurioProcess apicurio;

    private static DebianPython.Interpreter python;
    private static DebianPackages.Unavailable pythonProblem;

    @BeforeAll
    static void start() throws Exception {
        long t0 = System.nanoTime();
        try {
            python = DebianPython.find();
            System.out.printf("python client: %s; ready in %d ms%n", python.versions(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        } catch (DebianPackages.Unavailable e) {
            pythonProblem = e;
            return; // reported by requirePythonClient, as a failure or a skip
        }
        kafka = EmbeddedKafka.start();
        apicurio = Infra.startApicurio("python-wire-compat");
    }

    @AfterAll
    static void stop() {
        if (apicurio != null) apicurio.close();
        if (kafka != null) kafka.close();
    }

    /** Fails with what to install, or skips if CAC_SKIP_PYTHON=1. */
    @BeforeEach
    void requirePythonClient() {
        if (pythonProblem != null) DebianPackages.skipOrFail(pythonProblem, "CAC_SKIP_PYTHON");
    }

    @Test
    void aPythonProducerIsCountedExactlyAndAPythonConsumerDecodesEveryOutput() throws Exception {
        // a handful of customers: at 50.5 % confidence the LTV:CAC bounds are nearly the ratio itself, so the rule
        // acts on the ratio (LtvCacIntervalTest and the alert report check the interval at its default)
        Map<String, String> settings = Map.of("cac.windows", "7d", "cac.margin.default", "0.8",
                "cac.alert.min.new.customers", "3", "cac.alert.confidence", "0.505", "cac.emit.interval", "250ms");
        try (StreamsUnderTest app = StreamsUnderTest.start(kafka.bootstrapServers(), apicurio.ccompatUrl(), "python",
                settings, 2)) {
            TopicNames t = app.topicNames();
            Py produced = runScript(List.of("produce", "--bootstrap", kafka.bootstrapServers(),
                    "--registry", apicurio.ccompatUrl(), "--schemas", SCHEMAS.toString(), "--spend", t.spend(),
                    "--leads", t.leads(), "--conversions", t.conversions(), "--churn", t.churn(), "--fx", t.fxRates()));
            JsonNode summary = JSON.readTree(produced.out());
            assertThat(summary.get("produced").get(t.spend()).asInt()).isEqualTo(6);
            assertThat(summary.get("produced").get(t.conversions()).asInt()).isEqualTo(15);
            // the ids Python wrote are the ones registered under <topic>-value, and cac-streams resolves them to
            // schemas it can read with its own
            Map<String, Schema> ours = Map.of(t.spend(), MarketingSpend.getClassSchema(), t.leads(),
                    Lead.getClassSchema(), t.conversions(), Conversion.getClassSchema(), t.churn(),
                    Churn.getClassSchema(), t.fxRates(), FxRate.getClassSchema());
            for (var e : ours.entrySet()) {
                int id = summary.get("schemaIds").get(e.getKey()).asInt();
                assertThat(summary.get("latestIds").get(e.getKey()).asInt()).as(e.getKey()).isEqualTo(id);
                Schema writer = app.registry.getById(id);
                assertThat(SchemaCompatibility.checkReaderWriterCompatibility(e.getValue(), writer).getType())
                        .as("%s: our schema reads Python's (id %d)", e.getKey(), id)
                        .isEqualTo(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);
            }

            // Alerts are evaluated on settled hours. Counts read after a pause of the Python producer longer than
            // cac.idle.timeout (an idle partition woke) count from the first hour not settled yet, which settles once
            // event time moves on: once everything is read, one more spend of 0 on a channel of its own, a day later
            app.await(WAIT, "the Python events read", app::inputsConsumed);
            app.sendAsync(t.spend(), "zz_tick", Events.day(11.6),
                    Events.spend("java-tick", "zz_tick", "0", "USD", Events.day(11.6)));
            app.flush();
            app.await(WAIT, "the Python events counted", () -> {
                ChannelMetrics m = app.out.latest("py_search", 7);
                ChannelMetrics all = app.out.latest("ALL", 7);
                return app.inputsConsumed() && app.out.dead.size() >= 1 && m != null && all != null
                        && app.out.metrics.stream().map(Outputs.Out::value).anyMatch(r -> r.getChannel()
                                .equals("py_search") && Boolean.TRUE.equals(r.getSettled())
                                && !r.getWindowEnd().isBefore(Events.day(11.5)))
                        && m.getNewCustomers() == 5 && m.getChurned() == 2 && m.getActiveCustomers() == 13
                        && m.getLeads() == 8 && near(m.getSpend(), 1550.6734) && near(all.getSpend(), 1550.6734)
                        && all.getActiveCustomers() == 13
                        // on another topic, so possibly read after the metrics settled with it
                        && app.out.alertsFor("py_search", 7).stream()
                                .anyMatch(a -> a.getRule() == AlertRule.LTV_CAC_BELOW_TARGET);
            });
            assertPythonEventsCounted(app);

            app.out.poll(Duration.ofMillis(500)); // anything committed since
            Py consumed = runScript(List.of("consume", "--bootstrap", kafka.bootstrapServers(),
                    "--registry", apicurio.ccompatUrl(), "--metrics", t.metrics(), "--alerts", t.alerts(),
                    "--deadletter", t.deadLetter(), "--expect", app.out.metrics.size() + "," + app.out.alerts.size()
                            + "," + app.out.dead.size(), "--timeout", "30"));
            JsonNode decoded = JSON.readTree(consumed.out());
            System.out.printf("Python decoded %d metrics, %d alerts, %d dead letters%n",
                    decoded.get("metrics").size(), decoded.get("alerts").size(), decoded.get("deadLetters").size());
            // live snapshots may still be published while Python reads: compare what both have read
            app.await(WAIT, "cac-streams' consumer has read as far as Python",
                    () -> readAsFar(app.out.metrics, decoded.get("metrics"))
                            && readAsFar(app.out.alerts, decoded.get("alerts"))
                            && readAsFar(app.out.dead, decoded.get("deadLetters")));
            assertSameRecords("metrics", decoded.get("metrics"), app.out.metrics);
            assertSameRecords("alerts", decoded.get("alerts"), app.out.alerts);
            assertSameRecords("dead letters", decoded.get("deadLetters"), app.out.dead);

            // and what Python read says what it must
            JsonNode lastMetrics = null;
            for (JsonNode r : decoded.get("metrics")) {
                if (text(r.get("key")).equals("py_search|7d")) lastMetrics = r.get("value");
            }
            assertThat(lastMetrics).isNotNull();
            assertThat(near(lastMetrics.get("spend").asDouble(), 1550.6734)).isTrue();
            assertThat(lastMetrics.get("status").asText()).isEqualTo("CRITICAL");
            JsonNode lastAlert = null;
            for (JsonNode r : decoded.get("alerts")) {
                if (r.get("value").get("dedupKey").asText().equals("cac-streams/LTV_CAC_BELOW_TARGET/py_search/7d")) {
                    lastAlert = r.get("value");
                }
            }
            assertThat(lastAlert).isNotNull();
            assertThat(lastAlert.get("status").asText()).isEqualTo("FIRING");
            assertThat(lastAlert.get("severity").asText()).isEqualTo("CRITICAL");
            JsonNode dead = decoded.get("deadLetters").get(0).get("value");
            assertThat(dead.get("reason").asText()).isEqualTo("NEGATIVE_AMOUNT");
            assertThat(dead.get("eventId").asText()).isEqualTo("py-s-neg");
            assertThat(dead.get("sourceTopic").asText()).isEqualTo(t.spend());
            assertThat(new String(Base64.getDecoder().decode(dead.get("key").asText()), StandardCharsets.UTF_8))
                    .isEqualTo("py_search");
        }
    }

    /** The figures of the scenario in wire_compat.py, by hand from domain.md (7 days to an hour's end from day 10.6 to 11.6). */
    private static void assertPythonEventsCounted(StreamsUnderTest app) {
        double spend = 1000.1234 + 500.5 * 1.1;             // the duplicate of py-s-1 once, the negative one never
        double margin = (9 * 0.8 + 3 * 0.5 + 0.8) / 13;     // old-1..9 default 0.8, new-1..3 0.5, new-4 default
        double arpu = (9 * 40 + 3 * 100 + 50 * 1.1) / 13;  // = 55
        double monthlyChurn = 1 - Math.pow(0.9, 30.0 / 7);  // (2 churned - 1 of them new) / 10 at the start
        double ltv = arpu * margin * (1 - monthlyChurn) / monthlyChurn;
        double cac = spend / 5;
        for (String channel : List.of("py_search", "ALL")) {
            ChannelMetrics m = app.out.latest(channel, 7);
            // a window of whole hours ending after the last event (day 10.6, 14:24), at most the last tick's hour
            assertThat(m.getWindowEnd()).isBetween(Events.day(10.625), Events.day(11.7));
            assertThat(m.getAsOf()).isEqualTo(m.getWindowEnd().minusMillis(1));
            close(m.getSpend(), spend);
            assertThat(m.getLeads()).isEqualTo(8);
            close(m.getAvgLeadQuality(), 70);               // 490 / 7 known scores
            close(m.getCpl(), spend / 8);
            assertThat(m.getNewCustomers()).isEqualTo(5);
            close(m.getLeadToCustomerRate(), 5 / 8.0);
            assertThat(m.getChurned()).isEqualTo(2);
            assertThat(m.getChurnedNew()).isEqualTo(1);
            assertThat(m.getActiveCustomers()).isEqualTo(13);
            assertThat(m.getCustomersAtStart()).isEqualTo(10);
            close(m.getArpu(), 55);
            close(m.getArpu(), arpu);
            close(m.getGrossMargin(), margin);
            close(m.getChurnRate(), 0.1);
            close(m.getMonthlyChurnRate(), monthlyChurn);
            close(m.getLtv(), ltv);
            close(m.getCac(), cac);
            close(m.getLtvToCac(), ltv / cac);
            close(m.getCacPaybackMonths(), cac / (arpu * margin));
            assertThat(m.getStatus()).isEqualTo(MetricStatus.CRITICAL);
        }
        assertThat(app.out.dead).hasSize(1);
        DeadLetter d = app.out.dead.get(0).value();
        assertThat(d.getReason()).isEqualTo(DeadLetterReason.NEGATIVE_AMOUNT);
        assertThat(d.getEventId()).isEqualTo("py-s-neg");
        // NO_CONVERSIONS fired on the hour of the first day-10 spend (a full window with spend and no conversion
        // yet) and resolved with the conversions; then LTV:CAC fired
        List<ChannelAlert> alerts = app.out.alertsFor("py_search", 7).stream()
                .filter(a -> a.getRule() == AlertRule.LTV_CAC_BELOW_TARGET).toList();
        assertThat(alerts).isNotEmpty();
        assertThat(alerts.get(alerts.size() - 1).getStatus()).isEqualTo(AlertStatus.FIRING);
        assertThat(alerts.get(alerts.size() - 1).getSeverity()).isEqualTo(AlertSeverity.CRITICAL);
    }

    /** Whether cac-streams' consumer has read, in every partition, as far as Python did. */
    private static boolean readAsFar(List<? extends Outputs.Out<?, ?>> java, JsonNode python) {
        Map<Integer, Long> javaEnds = new HashMap<>();
        for (var r : java) javaEnds.merge(r.partition(), r.offset(), Math::max);
        for (JsonNode p : python) {
            if (javaEnds.getOrDefault(p.get("partition").asInt(), -1L) < p.get("offset").asLong()) return false;
        }
        return true;
    }

    /**
     * Every record Python decoded equals, field by field, what cac-streams' serde decoded at the same offset; and
     * Python read everything before the last record it read, as cac-streams' consumer did.
     */
    private static void assertSameRecords(String what, JsonNode python,
                                          List<? extends Outputs.Out<?, ? extends SpecificRecord>> java) {
        Map<Integer, Long> pythonEnds = new HashMap<>();
        for (JsonNode p : python) pythonEnds.merge(p.get("partition").asInt(), p.get("offset").asLong(), Math::max);
        long javaBefore = java.stream().filter(r -> pythonEnds.containsKey(r.partition())
                && r.offset() <= pythonEnds.get(r.partition())).map(r -> r.partition() + "@" + r.offset())
                .distinct().count();
        assertThat(python.size()).as("%s read by Python", what).isEqualTo(javaBefore);
        Map<String, Outputs.Out<?, ? extends SpecificRecord>> byOffset = new HashMap<>();
        for (var r : java) byOffset.put(r.partition() + "@" + r.offset(), r);
        List<String> differences = new ArrayList<>();
        for (JsonNode p : python) {
            String at = p.get("partition").asInt() + "@" + p.get("offset").asLong();
            var j = byOffset.get(at);
            if (j == null) {
                differences.add(what + " " + at + ": not read by cac-streams' serde");
                continue;
            }
            byte[] key = j.key() instanceof byte[] b ? b : ((String) j.key()).getBytes(StandardCharsets.UTF_8);
            if (!Base64.getEncoder().encodeToString(key).equals(p.get("key").asText())) {
                differences.add(what + " " + at + ": key differs");
            }
            SpecificRecord value = j.value();
            JsonNode pv = p.get("value");
            for (Schema.Field f : value.getSchema().getFields()) {
                JsonNode expected = JSON.valueToTree(plain(value.get(f.pos())));
                JsonNode actual = pv.get(f.name());
                if (!sameValue(expected, actual)) {
                    differences.add(what + " " + at + " " + f.name() + ": cac-streams " + expected + ", Python "
                            + actual);
                }
            }
            if (pv.size() != value.getSchema().getFields().size()) {
                differences.add(what + " " + at + ": Python sees fields " + pv.fieldNames());
            }
        }
        assertThat(differences).as(what).isEmpty();
    }

    /** As wire_compat.py renders values: timestamps as epoch millis, bytes as base64, enums by name. */
    private static Object plain(Object v) {
        if (v instanceof Instant i) return i.toEpochMilli();
        if (v instanceof ByteBuffer b) {
            ByteBuffer d = b.duplicate();
            byte[] out = new byte[d.remaining()];
            d.get(out);
            return Base64.getEncoder().encodeToString(out);
        }
        if (v instanceof Enum<?> e) return e.name();
        if (v instanceof CharSequence s) return s.toString();
        return v;
    }

    /** Equal JSON values, numbers by value (a double exactly: both sides decoded the same 8 bytes). */
    private static boolean sameValue(JsonNode a, JsonNode b) {
        if (a == null || b == null) return a == b;
        if (a.isNumber() && b.isNumber()) {
            if (a.isFloatingPointNumber() || b.isFloatingPointNumber()) {
                return Double.compare(a.doubleValue(), b.doubleValue()) == 0;
            }
            return a.longValue() == b.longValue();
        }
        return a.equals(b);
    }

    private static String text(JsonNode base64) {
        return new String(Base64.getDecoder().decode(base64.asText()), StandardCharsets.UTF_8);
    }

    private record Py(int exit, String out, String err) {
    }

    /** Runs wire_compat.py; fails with its stderr if it does not exit 0. */
    private static Py runScript(List<String> args) throws Exception {
        List<String> all = new ArrayList<>();
        all.add(SCRIPT.toString());
        all.addAll(args);
        long t0 = System.nanoTime();
        Py py = python(Duration.ofSeconds(90), all);
        System.out.printf("wire_compat.py %s: exit %d after %d ms%n", args.get(0), py.exit(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        if (!py.err().isBlank()) System.out.println("wire_compat.py stderr:" + System.lineSeparator() + py.err());
        if (py.exit() != 0) {
            fail("wire_compat.py " + args.get(0) + " exited with " + py.exit() + ":" + System.lineSeparator()
                    + py.err() + System.lineSeparator() + "stdout: " + py.out());
        }
        return py;
    }

    private static Py python(Duration timeout, List<String> args) throws IOException, InterruptedException {
        ProcessBuilder pb = python.command(args);
        Path out = Files.createTempFile("wire-compat-", ".out");
        Path err = Files.createTempFile("wire-compat-", ".err");
        try {
            Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                fail(String.join(" ", pb.command()) + " did not finish within " + timeout.toSeconds() + " s; stderr: "
                        + Files.readString(err));
            }
            return new Py(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
