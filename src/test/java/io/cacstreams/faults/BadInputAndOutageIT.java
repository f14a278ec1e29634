package io.cacstreams.faults;

import io.cacstreams.devstack.ApicurioProcess;
import io.cacstreams.devstack.EmbeddedKafka;
import io.cacstreams.config.AppConfig;
import io.cacstreams.events.MarketingSpend;
import io.cacstreams.generator.Fault;
import io.cacstreams.generator.GeneratedEvent;
import io.cacstreams.serde.AvroCodec;
import io.cacstreams.serde.SchemaRegistryClient;
import io.cacstreams.verify.ChildApp;
import io.cacstreams.verify.Hooks;
import io.cacstreams.verify.VerifyRun;
import io.cacstreams.verify.VerifySummary;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bad input, misbehaving producers, schema evolution, a registry outage, SASL and memory, each on the real
 * application ({@code java -jar cac-streams.jar run} in a child JVM, through {@link VerifyRun}) against one in-JVM
 * SASL broker and one Apicurio Registry shared by the class. Every scenario has topics of its own; every final figure
 * is compared with an independent recomputation, so "0 mismatches" means every good event was counted exactly once.
 *
 * <p>Every child authenticates as a SCRAM user through {@code --set} settings alone, with a registry basic-auth
 * password; no child's output (effective settings, logs, stack traces) may contain either secret. The child logs are
 * kept in {@code target/faults-it/<scenario>/}.
 */
@Tag("fault")
class BadInputAndOutageIT {
    private static final String APP_USER = "cac-app";
    private static final String JAAS_SECRET = "Jaas-S3cret-7f3e9a";
    private static final String WRONG_SECRET = "Wr0ng-Jaas-S3cret-c41d";
    private static final String REGISTRY_SECRET = "S3cretRegistry!";
    private static final ScramMechanism MECHANISM = ScramMechanism.SCRAM_SHA_256;
    private static final Path WORK = Path.of("target", "faults-it");

    private static EmbeddedKafka kafka;
    private static ApicurioProcess apicurio;
    private static SchemaRegistryClient directRegistry;
    private static Schema spendV2;

    @BeforeAll
    static void start() throws IOException {
        Files.createDirectories(WORK);
        kafka = EmbeddedKafka.builder().scramUser(APP_USER, JAAS_SECRET).scramMechanism(MECHANISM).start();
        apicurio = ApicurioProcess.start(Path.of(System.getProperty("cac.apicurio.dir", "target/apicurio")),
                WORK.resolve("apicurio.log"), Duration.ofSeconds(90));
        directRegistry = SchemaRegistryClient.create(AppConfig.from(Map.of("cac.registry.url", apicurio.ccompatUrl()))
                .registry());
        try (InputStream in = BadInputAndOutageIT.class.getResourceAsStream("/schemas-v2/MarketingSpend-v2.avsc")) {
            spendV2 = new Schema.Parser().parse(in);
        }
    }

    @AfterAll
    static void stop() {
        if (directRegistry != null) directRegistry.close();
        if (apicurio != null) apicurio.close();
        if (kafka != null) kafka.close();
    }

    // ---------------------------------------------------------------------------------------------------------------

    @Test
    void floodOfBadRecordsGoesToTheDeadLetterTopicAndEveryGoodOneIsCounted() throws Exception {
        Path dir = workDir("bad-flood");
        VerifySummary s = new VerifyRun(base(apicurio.ccompatUrl(), JAAS_SECRET, dir), testClients(),
                options(dir, 0.25, 0.02)).run(System.out);
        s.print(System.out);
        assertThat(s.mismatches()).as("mismatches").isEmpty();
        assertThat(s.pending()).as("not quiet (a stall)").isNull();
        for (Fault f : List.of(Fault.RANDOM_BYTES, Fault.WRONG_MAGIC_BYTE, Fault.UNKNOWN_SCHEMA_ID,
                Fault.TRUNCATED_AVRO, Fault.NEGATIVE_AMOUNT, Fault.UNKNOWN_CURRENCY, Fault.QUALITY_OUT_OF_RANGE,
                Fault.UNKNOWN_CUSTOMER)) {
            assertThat(s.faults().getOrDefault(f, 0L)).as("bad records of kind " + f).isGreaterThan(5);
        }
        long bad = s.faults().entrySet().stream().filter(e -> e.getKey().expectedReason() != null)
                .mapToLong(Map.Entry::getValue).sum();
        assertThat((double) bad / s.produced()).as("share of bad records").isGreaterThan(0.1);
        String log = childLog(dir);
        assertThat(log).as("no crash").doesNotContain("shutting the client down", "replacing it (");
        assertNoSecrets(log);
    }

    @Test
    void producerWithoutIdempotenceResendingEventsIsCountedOnce() throws Exception {
        Path dir = workDir("no-idempotence");
        VerifySummary s = new VerifyRun(base(apicurio.ccompatUrl(), JAAS_SECRET, dir), testClients(),
                options(dir, 0.0, 0.3)).withHooks(new Hooks() {
            @Override
            public Map<String, Object> producerOverrides() {
                return Map.of(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false, ProducerConfig.RETRIES_CONFIG, 10,
                        ProducerConfig.ACKS_CONFIG, "1", ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5,
                        ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 10);
            }
        }).run(System.out);
        s.print(System.out);
        assertThat(s.duplicatesSent()).as("events sent twice (same eventId)").isGreaterThan(500);
        assertThat(s.mismatches()).as("mismatches").isEmpty();
        assertThat(s.pending()).isNull();
        assertNoSecrets(childLog(dir));
    }

    @Test
    void producersMovingToANewerCompatibleSchemaMidStreamAreBothCounted() throws Exception {
        Path dir = workDir("schema-v2");
        SpendV2Encoder v2 = new SpendV2Encoder();
        VerifySummary s = new VerifyRun(base(apicurio.ccompatUrl(), JAAS_SECRET, dir), testClients(),
                options(dir, 0.02, 0.02)).withHooks(new Hooks() {
            @Override
            public int phases() {
                return 2;
            }

            @Override
            public void beforePhase(int phase, Hooks.Stage stage) {
                v2.register(stage.config().topics().spend()); // under the same subject, while the app runs
            }

            @Override
            public byte[] encode(GeneratedEvent e, byte[] encoded, int phase) {
                return phase >= 1 ? v2.maybeReencode(e, encoded, 2) : encoded;
            }
        }).run(System.out);
        s.print(System.out);
        System.out.printf("schema-v2: spend v2 id %d, %d spend records sent as v2, %d as v1 after the switch%n",
                v2.id, v2.sentV2.get(), v2.sentV1.get());
        assertThat(v2.sentV2.get()).as("spend records sent with the v2 schema").isGreaterThan(20);
        assertThat(v2.sentV1.get()).as("spend records still sent with v1 after v2 arrived").isGreaterThan(20);
        assertThat(s.mismatches()).as("mismatches").isEmpty();
        assertThat(s.pending()).isNull();
        assertNoSecrets(childLog(dir));
    }

    // Output schema ids are resolved at start (docs/fault-findings.md): events with cached schemas keep going during
    // the outage, the new id waits (1 thread replacement) and is processed when the registry is back. (A run once
    // missed a FIRING: the verifier's topics had time retention and the old-dated record was deleted; they keep
    // everything now.)
    @Test
    void registryOutageCachedSchemasKeepGoingAndANewSchemaWaitsUntilItIsBack() throws Exception {
        Path dir = workDir("registry-outage");
        SpendV2Encoder v2 = new SpendV2Encoder();
        AtomicLong outageStart = new AtomicLong();
        AtomicLong outageEnd = new AtomicLong();
        List<String> notes = new ArrayList<>();
        try (TcpProxy proxy = new TcpProxy(apicurio.port())) {
            String viaProxy = "http://127.0.0.1:" + proxy.port() + ApicurioProcess.CCOMPAT_PATH;
            VerifySummary s = new VerifyRun(base(viaProxy, JAAS_SECRET, dir), testClients(),
                    options(dir, 0.0, 0.02)).withHooks(new Hooks() {
                @Override
                public int phases() {
                    return 3;
                }

                @Override
                public void beforePhase(int phase, Hooks.Stage stage) throws Exception {
                    if (phase == 1) {
                        String pending = stage.awaitConsumed(Duration.ofSeconds(90));
                        assertThat(pending).as("first third processed before the outage").isNull();
                        proxy.down();
                        outageStart.set(System.nanoTime());
                        stage.log().println("registry-outage: registry unreachable from now (proxy down)");
                    } else {
                        // events in schemas the app has cached (v1) are processed while the registry is down
                        String pending = stage.awaitConsumed(Duration.ofSeconds(30));
                        notes.add("second third consumed during the outage: " + (pending == null ? "yes" : pending));
                        assertThat(pending).as("events with cached schemas processed during the outage").isNull();
                        // a genuinely new schema id, registered through the direct URL during the outage
                        v2.register(stage.config().topics().spend());
                    }
                }

                @Override
                public byte[] encode(GeneratedEvent e, byte[] encoded, int phase) {
                    return phase == 2 ? v2.maybeReencode(e, encoded, 2) : encoded;
                }

                @Override
                public void afterProduced(Hooks.Stage stage) throws Exception {
                    // keep the registry away long enough for the v2 records to hit it (the codec gives up after
                    // about 6 s of retries), and for at least 15 s in all
                    long until = Math.max(outageStart.get() + Duration.ofSeconds(15).toNanos(),
                            System.nanoTime() + Duration.ofSeconds(12).toNanos());
                    Thread.sleep(Math.max(0, (until - System.nanoTime()) / 1_000_000));
                    proxy.up();
                    outageEnd.set(System.nanoTime());
                    stage.log().printf("registry-outage: registry back after %d ms%n",
                            (outageEnd.get() - outageStart.get()) / 1_000_000);
                }
            }).run(System.out);
            s.print(System.out);
            String log = childLog(dir);
            long replaced = log.lines().filter(l -> l.contains("replacing it (")).count();
            long unavailable = log.lines().filter(l -> l.contains("RegistryUnavailableException")).count();
            System.out.printf("registry-outage: outage %d ms, %d connection(s) refused by the proxy, %d stream thread"
                            + " replacement(s), %d v2 spend records, %s%n",
                    (outageEnd.get() - outageStart.get()) / 1_000_000, proxy.refused(), replaced, v2.sentV2.get(), notes);
            assertThat(v2.sentV2.get()).as("records with the new schema id").isGreaterThan(10);
            assertThat(proxy.refused()).as("the app tried the registry during the outage").isGreaterThan(0);
            assertThat(replaced).as("stream thread replaced on RegistryUnavailableException (evidence that the new"
                    + " schema id had to wait)").isBetween(1L, 9L);
            assertThat(unavailable).isGreaterThan(0);
            assertThat(log).doesNotContain("shutting the client down");
            assertThat(s.deadLetters()).as("no UNKNOWN_SCHEMA_ID (or any) dead letters for good records").isEmpty();
            assertThat(s.mismatches()).as("mismatches").isEmpty();
            assertThat(s.pending()).isNull();
            assertNoSecrets(log);
        }
    }

    @Test
    void wrongSaslPasswordExitsNonZeroWithAClearErrorWithinBoundedTime() throws Exception {
        Path dir = workDir("wrong-password");
        Map<String, String> settings = VerifyRun.runSettings(base(apicurio.ccompatUrl(), WRONG_SECRET, dir),
                "wrong-pw-" + System.nanoTime());
        long t0 = System.nanoTime();
        Integer code;
        try (ChildApp app = new ChildApp(jar(), settings, dir.resolve("app-wrong-password.log"), List.of("-Xmx256m"))) {
            app.start();
            code = app.waitFor(Duration.ofSeconds(90));
            if (code == null) app.kill();
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        String log = Files.readString(dir.resolve("app-wrong-password.log"), StandardCharsets.UTF_8);
        System.out.printf("wrong-password: exit %s after %d ms; error lines:%n", code, ms);
        log.lines().filter(l -> l.contains("ERROR") || l.toLowerCase().contains("authentication")).limit(10)
                .forEach(l -> System.out.println("  " + l));
        assertThat(code).as("exit status within 90 s (null: still running, a hang)\n" + tail(log)).isNotNull();
        assertThat(code).as("exit status").isNotZero();
        assertThat(log).as("a clear error").containsIgnoringCase("authentication failed");
        assertNoSecrets(log);
        assertThat(log).doesNotContain(WRONG_SECRET);
    }

    @Test
    void soakMemoryLevelsOff() throws Exception {
        Path dir = workDir("soak");
        // the trim flag of the image's entrypoint (which the k8s manifest runs): without it, the native memory of one
        // large C2 compilation (about 300 MB, a minute in; perf: page faults in C2's register allocator) stays in
        // glibc's arenas after it is freed, a step in RSS that this check took for growth
        VerifyRun.Options o = new VerifyRun.Options(60, 0.5, 11, 0.01, 0.01, 0, Duration.ofSeconds(150), jar(),
                List.of("-Xms256m", "-Xmx256m", "-XX:+AlwaysPreTouch", "-XX:TrimNativeHeapInterval=5000"), dir);
        VerifySummary s = new VerifyRun(base(apicurio.ccompatUrl(), JAAS_SECRET, dir), testClients(), o)
                .withSoak(Duration.ofSeconds(75), Duration.ofSeconds(2)).run(System.out);
        s.print(System.out);
        assertThat(s.rssSamplesKb()).hasSizeGreaterThan(20);
        assertThat(s.rssVerdict()).as("RSS samples (KiB) " + s.rssSamplesKb()).isNull();
        assertThat(s.mismatches()).as("mismatches").isEmpty();
        assertThat(s.pending()).isNull();
        assertNoSecrets(childLog(dir));
    }

    // ---------------------------------------------------------------------------------------------------------------

    /** The app's settings: SASL/SCRAM through configuration alone, a registry with basic auth. */
    private static AppConfig base(String registryUrl, String jaasPassword, Path dir) {
        Map<String, String> s = new TreeMap<>(kafka.clientProperties(APP_USER, jaasPassword, MECHANISM));
        s.put("cac.registry.url", registryUrl);
        s.put("cac.registry.basic.auth.user.info", "cac:" + REGISTRY_SECRET);
        s.put("cac.ops.port", "0");
        s.put("cac.query.port", "0");
        s.put("state.dir", dir.resolve("state").toAbsolutePath().toString());
        return AppConfig.from(s);
    }

    /** The test's own clients: the broker's admin user. */
    private static Map<String, Object> testClients() {
        return new HashMap<>(kafka.clientProperties());
    }

    private static VerifyRun.Options options(Path dir, double badShare, double duplicateShare) {
        return new VerifyRun.Options(10, 0.2, 5, badShare, duplicateShare, 0, Duration.ofSeconds(90), jar(),
                List.of("-Xmx256m"), dir);
    }

    private static Path jar() {
        return Path.of(System.getProperty("cac.jar", "target/cac-streams.jar")).toAbsolutePath();
    }

    private static Path workDir(String scenario) throws IOException {
        Path dir = WORK.resolve(scenario).toAbsolutePath();
        if (Files.exists(dir)) {
            try (Stream<Path> old = Files.walk(dir)) {
                old.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        return Files.createDirectories(dir);
    }

    /** The whole output (stdout and stderr) of the scenario's child, over all its starts. */
    private static String childLog(Path dir) throws IOException {
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> logs = Files.list(dir)) {
            for (Path p : logs.filter(p -> p.getFileName().toString().startsWith("app-")).sorted().toList()) {
                sb.append(Files.readString(p, StandardCharsets.UTF_8));
            }
        }
        assertThat(sb.length()).as("child output in " + dir).isGreaterThan(0);
        return sb.toString();
    }

    private static void assertNoSecrets(String output) {
        assertThat(output).as("the child's output carries the effective settings").contains("effective settings");
        assertThat(output).as("the JAAS password is never printed").doesNotContain(JAAS_SECRET);
        assertThat(output).as("the registry password is never printed").doesNotContain(REGISTRY_SECRET);
    }

    private static String tail(String log) {
        List<String> lines = log.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    /**
     * Re-encodes good MarketingSpend records with the v2 schema (an added optional field), as a newer producer
     * would: the same values, the v2 schema id.
     */
    private static final class SpendV2Encoder {
        volatile int id = -1;
        final AtomicInteger seen = new AtomicInteger();
        final AtomicLong sentV1 = new AtomicLong();
        final AtomicLong sentV2 = new AtomicLong();
        private final Schema v1 = MarketingSpend.getClassSchema();

        void register(String spendTopic) {
            id = directRegistry.register(SchemaRegistryClient.subject(spendTopic, false), spendV2);
            System.out.printf("registered MarketingSpend v2 under %s-value: id %d (v1: %s)%n", spendTopic, id,
                    v1.getFields().size() + " fields");
        }

        /** Every {@code every}-th good spend record as v2, the others as they are. */
        byte[] maybeReencode(GeneratedEvent e, byte[] encoded, int every) {
            if (!(e.value() instanceof MarketingSpend) || (e.fault() != Fault.NONE && e.fault() != Fault.DUPLICATE)) {
                return encoded;
            }
            if (id < 0 || seen.incrementAndGet() % every != 0) {
                sentV1.incrementAndGet();
                return encoded;
            }
            try {
                GenericRecord old = new GenericDatumReader<GenericRecord>(v1, v1, GenericData.get()).read(null,
                        DecoderFactory.get().binaryDecoder(encoded, AvroCodec.HEADER_SIZE,
                                encoded.length - AvroCodec.HEADER_SIZE, null));
                GenericRecord r = new GenericData.Record(spendV2);
                for (Schema.Field f : v1.getFields()) r.put(f.name(), old.get(f.name()));
                r.put("placement", "feed-" + (seen.get() % 3));
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                out.write(AvroCodec.MAGIC_BYTE);
                out.write(java.nio.ByteBuffer.allocate(4).putInt(id).array());
                BinaryEncoder enc = EncoderFactory.get().directBinaryEncoder(out, null);
                new GenericDatumWriter<GenericRecord>(spendV2, GenericData.get()).write(r, enc);
                enc.flush();
                sentV2.incrementAndGet();
                return out.toByteArray();
            } catch (IOException ex) {
                throw new IllegalStateException("cannot re-encode as v2", ex);
            }
        }
    }

}
