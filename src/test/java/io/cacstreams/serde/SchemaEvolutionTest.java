package io.cacstreams.serde;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cacstreams.events.DeadLetterReason;
import io.cacstreams.events.Lead;
import io.cacstreams.events.MarketingSpend;
import io.cacstreams.events.SpendCategory;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.UUID;

import static io.cacstreams.serde.TestSchemas.avroBinary;
import static io.cacstreams.serde.TestSchemas.edited;
import static io.cacstreams.serde.TestSchemas.field;
import static io.cacstreams.serde.TestSchemas.framed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Records written with other versions of a contract, read through the codec's resolving reader. */
class SchemaEvolutionTest {
    private static final Instant AT = Instant.ofEpochMilli(1_700_000_000_000L);

    private final String scope = "evolution-" + UUID.randomUUID();
    private final SchemaRegistryClient registry = MockSchemaRegistry.client(scope);

    @AfterEach
    void dropRegistry() {
        MockSchemaRegistry.drop(scope);
    }

    /** Registers {@code writer} and frames {@code record} (written with it by plain Avro) under its id. */
    private byte[] writtenWith(Schema writer, GenericRecord record) {
        int id = registry.register("leads-value", writer);
        return framed(id, avroBinary(record));
    }

    @Test
    void aNewerWriterWithAnAddedOptionalFieldIsRead() throws Exception {
        Schema writer = edited("Lead", fields -> {
            fields.insert(3, field("{\"name\": \"region\", \"type\": [\"null\", \"string\"], \"default\": null}"));
            fields.add(field("{\"name\": \"score2\", \"type\": \"double\", \"default\": 0.0}"));
        });
        GenericRecord record = new GenericData.Record(writer);
        record.put("eventId", "e-1");
        record.put("leadId", "l-1");
        record.put("channel", "search");
        record.put("region", "emea");
        record.put("campaign", "spring");
        record.put("qualityScore", 80);
        record.put("occurredAt", AT.toEpochMilli());
        record.put("score2", 0.5);

        var codec = new AvroCodec<>(registry, Lead.class, false, true);
        Lead lead = codec.decode("leads", writtenWith(writer, record));

        assertThat(lead).isEqualTo(new Lead("e-1", "l-1", "search", "spring", 80, AT));
    }

    @Test
    void anOlderWriterMissingAnOptionalFieldGetsTheDefault() throws Exception {
        Schema writer = edited("Lead", fields -> removeField(fields, "qualityScore"));
        GenericRecord record = new GenericData.Record(writer);
        record.put("eventId", "e-2");
        record.put("leadId", "l-2");
        record.put("channel", "events");
        record.put("campaign", null);
        record.put("occurredAt", AT.toEpochMilli());

        var codec = new AvroCodec<>(registry, Lead.class, false, true);
        Lead lead = codec.decode("leads", writtenWith(writer, record));

        assertThat(lead).isEqualTo(new Lead("e-2", "l-2", "events", null, null, AT));
    }

    @Test
    void anEnumSymbolTheReaderDoesNotKnowFallsBackToTheEnumDefault() throws Exception {
        Schema writer = edited("MarketingSpend", fields -> {
            ObjectNode category = (ObjectNode) fields.get(5).get("type");
            ((ArrayNode) category.get("symbols")).add("EVENTS");
        });
        GenericRecord record = new GenericData.Record(writer);
        record.put("eventId", "e-3");
        record.put("channel", "events");
        record.put("campaign", null);
        record.put("amount", ByteBuffer.wrap(new BigDecimal("10.0000").unscaledValue().toByteArray()));
        record.put("currency", "EUR");
        record.put("category", new GenericData.EnumSymbol(writer.getField("category").schema(), "EVENTS"));
        record.put("occurredAt", AT.toEpochMilli());

        var codec = new AvroCodec<>(registry, MarketingSpend.class, false, true);
        MarketingSpend spend = codec.decode("marketing-spend", writtenWith(writer, record));

        assertThat(spend.getCategory()).isEqualTo(SpendCategory.OTHER);
        assertThat(spend.getAmount()).isEqualByComparingTo("10");
    }

    @Test
    void aWriterMissingARequiredFieldIsUndecodable() {
        Schema writer = edited("Lead", fields -> removeField(fields, "channel"));
        GenericRecord record = new GenericData.Record(writer);
        record.put("eventId", "e-4");
        record.put("leadId", "l-4");
        record.put("campaign", null);
        record.put("qualityScore", null);
        record.put("occurredAt", AT.toEpochMilli());
        byte[] bytes = writtenWith(writer, record);

        var codec = new AvroCodec<>(registry, Lead.class, false, true);
        DecodeException e = catchThrowableOfType(DecodeException.class, () -> codec.decode("leads", bytes));

        assertThat(e.reason()).isEqualTo(DeadLetterReason.UNDECODABLE);
        assertThat(e.schemaId()).isEqualTo(AvroCodec.schemaIdOf(bytes));
        assertThat(e.getMessage()).contains("channel");
    }

    @Test
    void aWriterWithAnIncompatibleFieldTypeIsUndecodable() {
        Schema writer = edited("Lead", fields -> ((ObjectNode) fields.get(2)).put("type", "int"));
        GenericRecord record = new GenericData.Record(writer);
        record.put("eventId", "e-5");
        record.put("leadId", "l-5");
        record.put("channel", 7);
        record.put("campaign", null);
        record.put("qualityScore", null);
        record.put("occurredAt", AT.toEpochMilli());
        byte[] bytes = writtenWith(writer, record);

        var codec = new AvroCodec<>(registry, Lead.class, false, true);
        DecodeException e = catchThrowableOfType(DecodeException.class, () -> codec.decode("leads", bytes));

        assertThat(e.reason()).isEqualTo(DeadLetterReason.UNDECODABLE);
    }

    @Test
    void aRecordOfAnotherTypeIsUndecodable() {
        Schema other = new Schema.Parser().parse("{\"type\": \"record\", \"name\": \"Ping\", \"fields\": "
                + "[{\"name\": \"n\", \"type\": \"long\"}]}");
        GenericRecord record = new GenericData.Record(other);
        record.put("n", 1L);
        byte[] bytes = writtenWith(other, record);

        var codec = new AvroCodec<>(registry, Lead.class, false, true);
        DecodeException e = catchThrowableOfType(DecodeException.class, () -> codec.decode("leads", bytes));

        assertThat(e.reason()).isEqualTo(DeadLetterReason.UNDECODABLE);
    }

    private static void removeField(ArrayNode fields, String name) {
        for (int i = 0; i < fields.size(); i++) {
            JsonNode f = fields.get(i);
            if (f.get("name").asText().equals(name)) {
                fields.remove(i);
                return;
            }
        }
        throw new IllegalArgumentException("no field " + name);
    }
}
