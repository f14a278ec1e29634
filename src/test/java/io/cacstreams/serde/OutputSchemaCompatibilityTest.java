package io.cacstreams.serde;

import io.cacstreams.events.AlertRule;
import io.cacstreams.events.AlertSeverity;
import io.cacstreams.events.AlertStatus;
import io.cacstreams.events.ChannelAlert;
import io.cacstreams.events.ChannelMetrics;
import io.cacstreams.events.MetricStatus;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The output contracts evolve compatibly: a consumer still on the first published schemas
 * ({@code src/test/resources/schemas-v1}) reads records written with the current ones, and a consumer on the current
 * ones reads records written with the first (a compacted {@code channel-alerts} keeps old records for ever).
 */
class OutputSchemaCompatibilityTest {
    private static final Instant AT = Instant.parse("2026-03-01T10:00:00Z");

    private static Schema v1(String name) throws IOException {
        try (InputStream in = OutputSchemaCompatibilityTest.class.getResourceAsStream("/schemas-v1/" + name + ".avsc")) {
            return new Schema.Parser().parse(in);
        }
    }

    @Test
    void bothDirectionsAreCompatible() throws IOException {
        for (Schema current : new Schema[]{ChannelAlert.getClassSchema(), ChannelMetrics.getClassSchema()}) {
            Schema old = v1(current.getName());
            assertThat(SchemaCompatibility.checkReaderWriterCompatibility(old, current).getType())
                    .as("old reader, new writer: %s", current.getName())
                    .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
            assertThat(SchemaCompatibility.checkReaderWriterCompatibility(current, old).getType())
                    .as("new reader, old writer: %s", current.getName())
                    .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
        }
    }

    @Test
    void theCheckWouldCatchAnIncompatibleChange() throws IOException {
        // the same check refuses a required field without a default: it is not vacuous
        Schema old = v1("ChannelAlert");
        ObjectNode root = (ObjectNode) new ObjectMapper().readTree(ChannelAlert.getClassSchema().toString());
        root.get("fields").forEach(f -> {
            if (f.get("name").asText().equals("summary")) ((ObjectNode) f).put("type", "string").remove("default");
        });
        Schema required = new Schema.Parser().parse(root.toString());
        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(required, old).getType())
                .isEqualTo(SchemaCompatibilityType.INCOMPATIBLE);
    }

    @Test
    void anOldConsumerReadsANewAlert() throws IOException {
        ChannelAlert alert = ChannelAlert.newBuilder()
                .setAlertId("id-1").setDedupKey("cac-streams/LTV_CAC_BELOW_TARGET/paid/7d")
                .setRule(AlertRule.LTV_CAC_BELOW_TARGET).setChannel("paid").setWindowDays(7)
                .setStatus(AlertStatus.FIRING).setSeverity(AlertSeverity.CRITICAL)
                .setPreviousSeverity(AlertSeverity.WARNING)
                .setRatio(0.8).setLtvToCacLower(0.5).setLtvToCacUpper(0.95).setConfidence(0.9)
                .setThreshold(3.0).setCriticalThreshold(1.0).setCac(250.0).setLtv(200.0).setSpend(5000)
                .setNewCustomers(20).setReportingCurrency("USD").setStartsAt(AT).setEndsAt(null).setEvaluatedAt(AT)
                .setRunbookUrl("https://rb").setMessage("[CRITICAL] paid over 7d").setSource("cac-streams")
                .setLabels(Map.of("channel", "paid", "team", "growth")).setSummary("s").setDescription("d")
                .setDashboardUrl("https://dash").build();

        GenericRecord old = readAs(alert, v1("ChannelAlert"));

        assertThat(old.getSchema().getField("labels")).isNull();
        assertThat(old.get("alertId")).hasToString("id-1");
        assertThat(old.get("severity")).hasToString("CRITICAL");
        assertThat(old.get("ratio")).isEqualTo(0.8);
        assertThat(old.get("message")).hasToString("[CRITICAL] paid over 7d");
        assertThat(old.get("runbookUrl")).hasToString("https://rb");
        assertThat(old.get("startsAt")).isEqualTo(AT.toEpochMilli());
    }

    @Test
    void anOldConsumerReadsWarmingUpAsTheEnumDefault() throws IOException {
        ChannelMetrics m = ChannelMetrics.newBuilder()
                .setChannel("paid").setWindowDays(30).setWindowStart(AT).setWindowEnd(AT).setAsOf(AT)
                .setReportingCurrency("USD").setSpend(100).setLeads(3).setAvgLeadQuality(null).setNewCustomers(1)
                .setChurned(0).setChurnedNew(0).setActiveCustomers(1).setCustomersAtStart(0).setCpl(null)
                .setLeadToCustomerRate(null).setCac(100.0).setArpu(null).setGrossMargin(null).setChurnRate(null)
                .setMonthlyChurnRate(null).setRetentionRate(null).setLtv(null).setLtvToCac(2.0)
                .setLtvToCacLower(1.0).setLtvToCacUpper(null).setConfidence(0.9).setCacPaybackMonths(null)
                .setStatus(MetricStatus.WARMING_UP).build();

        GenericRecord old = readAs(m, v1("ChannelMetrics"));

        assertThat(old.get("status")).hasToString("UNKNOWN");
        assertThat(old.get("ltvToCac")).isEqualTo(2.0);
        assertThat(old.getSchema().getField("ltvToCacLower")).isNull();
    }

    @Test
    void aNewConsumerReadsAnOldAlertWithDefaults() throws IOException {
        Schema old = v1("ChannelAlert");
        ChannelAlert current = ChannelAlert.newBuilder()
                .setAlertId("id-2").setDedupKey("k").setRule(AlertRule.NO_CONVERSIONS).setChannel("c")
                .setWindowDays(7).setStatus(AlertStatus.RESOLVED).setSeverity(AlertSeverity.CRITICAL)
                .setThreshold(3).setCriticalThreshold(1).setSpend(1).setNewCustomers(1).setReportingCurrency("USD")
                .setStartsAt(AT).setEndsAt(AT).setEvaluatedAt(AT).setMessage("m").build();
        // written by a v1 producer: project the record onto the old schema, then read it with the current class
        GenericRecord asOld = readAs(current, old);
        byte[] bytes = write(asOld, old);
        SpecificDatumReader<ChannelAlert> reader = new SpecificDatumReader<>(old, ChannelAlert.getClassSchema());
        ChannelAlert read = reader.read(null, DecoderFactory.get().binaryDecoder(bytes, null));

        assertThat(read.getAlertId()).isEqualTo("id-2");
        assertThat(read.getLabels()).isEmpty();
        assertThat(read.getSource()).isNull();
        assertThat(read.getPreviousSeverity()).isNull();
        assertThat(read.getConfidence()).isNull();
    }

    private static GenericRecord readAs(SpecificRecord record, Schema reader) throws IOException {
        byte[] bytes = write(record, record.getSchema());
        return new GenericDatumReader<GenericRecord>(record.getSchema(), reader)
                .read(null, DecoderFactory.get().binaryDecoder(bytes, null));
    }

    private static byte[] write(Object record, Schema schema) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        if (record instanceof SpecificRecord) {
            new SpecificDatumWriter<Object>(schema).write(record, enc);
        } else {
            new org.apache.avro.generic.GenericDatumWriter<Object>(schema).write(record, enc);
        }
        enc.flush();
        return out.toByteArray();
    }
}
