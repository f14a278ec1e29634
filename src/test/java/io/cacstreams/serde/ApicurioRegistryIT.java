package io.cacstreams.serde;

import io.cacstreams.devstack.ApicurioProcess;
import io.cacstreams.config.RegistrySettings;
import io.cacstreams.events.DeadLetterReason;
import io.cacstreams.events.Lead;
import io.cacstreams.events.MarketingSpend;
import io.cacstreams.events.SpendCategory;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static io.cacstreams.serde.TestSchemas.avroBinary;
import static io.cacstreams.serde.TestSchemas.edited;
import static io.cacstreams.serde.TestSchemas.field;
import static io.cacstreams.serde.TestSchemas.framed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The HTTP client and the codec against a real Apicurio Registry (its Confluent-compatible API), run as a child JVM. */
class ApicurioRegistryIT {
    private static final Instant AT = Instant.ofEpochMilli(1_700_000_000_000L);
    private static ApicurioProcess apicurio;
    private static SchemaRegistryClient registry;

    @BeforeAll
    static void startRegistry() throws Exception {
        Path dir = Path.of(System.getProperty("cac.apicurio.dir", "target/apicurio"));
        apicurio = ApicurioProcess.start(dir, Path.of("target", "apicurio-it.log"), Duration.ofSeconds(60));
        registry = client();
    }

    @AfterAll
    static void stopRegistry() {
        if (registry != null) registry.close();
        if (apicurio == null) return;
        long pid = apicurio.pid();
        apicurio.close();
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).isNotEqualTo(java.util.Optional.of(true));
    }

    private static SchemaRegistryClient client() {
        return SchemaRegistryClient.create(new RegistrySettings(apicurio.ccompatUrl(), null, true,
                Duration.ofSeconds(5), 2, Duration.ofMillis(100), 100, Map.of()));
    }

    @Test
    void theProcessServesTheCcompatApiOnLocalhost() {
        assertThat(apicurio.ccompatUrl()).isEqualTo("http://127.0.0.1:" + apicurio.port() + "/apis/ccompat/v7");
        assertThat(apicurio.isAlive()).isTrue();
    }

    @Test
    void registerLookupGetByIdAndLatest() {
        Schema schema = MarketingSpend.getClassSchema();

        int id = registry.register("it-spend-value", schema);
        SchemaRegistryClient fresh = client(); // no cache: every answer comes from Apicurio

        assertThat(fresh.register("it-spend-value", schema)).isEqualTo(id);
        assertThat(fresh.lookup("it-spend-value", schema)).isEqualTo(id);
        assertThat(fresh.getById(id)).isEqualTo(schema);
        assertThat(fresh.latest("it-spend-value")).isEqualTo(new SchemaVersion("it-spend-value", 1, id, schema));
        assertThat(fresh.register("it-spend-copy-value", schema)).as("same content, same id").isEqualTo(id);
        assertThatThrownBy(() -> fresh.lookup("it-nothing-value", schema)).isInstanceOf(SchemaNotFoundException.class)
                .hasMessageContaining("40401");
        assertThatThrownBy(() -> fresh.latest("it-nothing-value")).isInstanceOf(SchemaNotFoundException.class);
        fresh.close();
    }

    @Test
    void roundTripsThroughTheRegistry() throws Exception {
        var writer = new RegistryAvroSerde<>(registry, MarketingSpend.class, false, true);
        var reader = new RegistryAvroSerde<>(client(), MarketingSpend.class, false, false);
        var spend = new MarketingSpend("e-1", "search", null, new BigDecimal("1234.5600"), "EUR", SpendCategory.MEDIA,
                AT);

        byte[] bytes = writer.serializer().serialize("it-roundtrip", spend);

        assertThat(reader.deserializer().deserialize("it-roundtrip", bytes)).isEqualTo(spend);
        assertThat(reader.codec().schemaIdFor("it-roundtrip")).as("lookup finds the auto-registered schema")
                .isEqualTo(AvroCodec.schemaIdOf(bytes));
    }

    @Test
    void readsNewerAndOlderCompatibleWriters() throws Exception {
        Schema newer = edited("Lead", fields -> fields.add(
                field("{\"name\": \"region\", \"type\": [\"null\", \"string\"], \"default\": null}")));
        Schema older = edited("Lead", fields -> fields.remove(4)); // qualityScore
        GenericRecord newRecord = new GenericData.Record(newer);
        newRecord.put("eventId", "e-1");
        newRecord.put("leadId", "l-1");
        newRecord.put("channel", "search");
        newRecord.put("campaign", null);
        newRecord.put("qualityScore", 70);
        newRecord.put("occurredAt", AT.toEpochMilli());
        newRecord.put("region", "emea");
        GenericRecord oldRecord = new GenericData.Record(older);
        oldRecord.put("eventId", "e-2");
        oldRecord.put("leadId", "l-2");
        oldRecord.put("channel", "events");
        oldRecord.put("campaign", "fair");
        oldRecord.put("occurredAt", AT.toEpochMilli());
        int newerId = registry.register("it-leads-value", newer);
        int olderId = registry.register("it-leads-value", older);

        var codec = new AvroCodec<>(client(), Lead.class, false, true);

        assertThat(newerId).isNotEqualTo(olderId);
        assertThat(codec.decode("it-leads", framed(newerId, avroBinary(newRecord))))
                .isEqualTo(new Lead("e-1", "l-1", "search", null, 70, AT));
        assertThat(codec.decode("it-leads", framed(olderId, avroBinary(oldRecord))))
                .isEqualTo(new Lead("e-2", "l-2", "events", "fair", null, AT));
    }

    @Test
    void anIdTheRegistryDoesNotHaveIsUnknownSchemaId() {
        var codec = new AvroCodec<>(client(), Lead.class, false, true);

        for (int id : new int[]{987_654, 0, -1}) {
            DecodeException e = catchThrowableOfType(DecodeException.class,
                    () -> codec.decode("it-leads", framed(id, new byte[]{2, 65})));
            assertThat(e.reason()).as("id %d", id).isEqualTo(DeadLetterReason.UNKNOWN_SCHEMA_ID);
            assertThat(e.schemaId()).isEqualTo(id);
        }
    }

    @Test
    void aUrlWithoutTheCcompatPrefixFailsLoudlyInsteadOfDeadLetteringEverything() {
        String root = apicurio.ccompatUrl().substring(0, apicurio.ccompatUrl().indexOf("/apis/"));
        var wrong = SchemaRegistryClient.create(new RegistrySettings(root, null, true, Duration.ofSeconds(5), 0,
                Duration.ofMillis(10), 10, Map.of()));
        var codec = new AvroCodec<>(wrong, Lead.class, false, true);

        RegistryException e = catchThrowableOfType(RegistryException.class,
                () -> codec.decode("it-leads", framed(1, new byte[]{2, 65})));

        assertThat(e).isExactlyInstanceOf(RegistryException.class);
        assertThat(e.status()).isEqualTo(404);
        assertThat(e.getMessage()).contains("path prefix");
    }
}
