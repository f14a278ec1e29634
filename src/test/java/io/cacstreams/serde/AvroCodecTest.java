package io.cacstreams.serde;

import io.cacstreams.events.Conversion;
import io.cacstreams.events.DeadLetterReason;
import io.cacstreams.events.FxRate;
import io.cacstreams.events.MarketingSpend;
import io.cacstreams.events.SpendCategory;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.cacstreams.serde.TestSchemas.avroBinary;
import static io.cacstreams.serde.TestSchemas.contract;
import static io.cacstreams.serde.TestSchemas.framed;
import static io.cacstreams.serde.TestSchemas.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class AvroCodecTest {
    private static final int ID = 0x01020304;
    private static final Instant AT = Instant.ofEpochMilli(1_700_000_000_123L);

    private final StubRegistry registry = new StubRegistry(ID);
    private final AvroCodec<MarketingSpend> spendCodec = new AvroCodec<>(registry, MarketingSpend.class, false, true);

    private static MarketingSpend spend(String campaign) {
        return new MarketingSpend("e-1", "search", campaign, new BigDecimal("1234.5600"), "EUR",
                SpendCategory.MEDIA, AT);
    }

    /** The same record built by hand as a GenericRecord against the .avsc contract, no conversions involved. */
    private static GenericRecord genericSpend(String campaign) {
        Schema schema = contract("MarketingSpend");
        GenericRecord r = new GenericData.Record(schema);
        r.put("eventId", "e-1");
        r.put("channel", "search");
        r.put("campaign", campaign);
        r.put("amount", ByteBuffer.wrap(new BigDecimal("1234.5600").unscaledValue().toByteArray()));
        r.put("currency", "EUR");
        r.put("category", new GenericData.EnumSymbol(schema.getField("category").schema(), "MEDIA"));
        r.put("occurredAt", AT.toEpochMilli());
        return r;
    }

    @Test
    void encodeMatchesIndependentlyWrittenGoldenBytes() throws Exception {
        for (String campaign : new String[]{"spring-sale", null}) {
            byte[] golden = framed(ID, avroBinary(genericSpend(campaign)));

            byte[] encoded = spendCodec.encode("marketing-spend", spend(campaign));

            assertThat(encoded).isEqualTo(golden);
            assertThat(Arrays.copyOf(encoded, 5)).containsExactly(0, 1, 2, 3, 4);
            assertThat(spendCodec.decode("marketing-spend", golden)).isEqualTo(spend(campaign));
        }
        assertThat(registry.idsBySubject).containsEntry("marketing-spend-value", ID);
    }

    @Test
    void encodeMatchesHandComputedBytes() throws Exception {
        var registry = new StubRegistry(7);
        var codec = new AvroCodec<>(registry, FxRate.class, false, true);
        // "EUR" (len 3 -> 06), decimal 1.0850000000 scale 10 = unscaled 10850000000 = 02 86 b5 dc 80 (len 5 -> 0a),
        // timestamp 1700000000000 as a zig-zag varint.
        byte[] expected = hex("0000000007" + "06455552" + "0a0286b5dc80" + "80a0abfef962");
        FxRate rate = new FxRate("EUR", new BigDecimal("1.0850000000"), Instant.ofEpochMilli(1_700_000_000_000L));

        assertThat(codec.encode("fx-rates", rate)).isEqualTo(expected);
        assertThat(codec.decode("fx-rates", expected)).isEqualTo(rate);
    }

    @Test
    void roundTripsNullsDoublesAndDecimals() throws Exception {
        var codec = new AvroCodec<>(registry, Conversion.class, false, true);
        var full = new Conversion("e-2", "c-1", "l-1", "search", "spring", new BigDecimal("99.9900"), "USD", 0.75, AT);
        var sparse = new Conversion("e-3", "c-2", null, "organic", null, new BigDecimal("0.0000"), "USD", null, AT);

        assertThat(codec.decode("conversions", codec.encode("conversions", full))).isEqualTo(full);
        assertThat(codec.decode("conversions", codec.encode("conversions", sparse))).isEqualTo(sparse);
    }

    @Test
    void schemaIdOfReadsTheHeaderOnly() {
        assertThat(AvroCodec.schemaIdOf(hex("00010203040506"))).isEqualTo(ID);
        assertThat(AvroCodec.schemaIdOf(hex("00ffffffff"))).isEqualTo(-1);
        assertThat(AvroCodec.schemaIdOf(hex("0000000001"))).isEqualTo(1);
        assertThat(AvroCodec.schemaIdOf(null)).isNull();
        assertThat(AvroCodec.schemaIdOf(new byte[0])).isNull();
        assertThat(AvroCodec.schemaIdOf(hex("00000001"))).isNull();
        assertThat(AvroCodec.schemaIdOf(hex("0100000001"))).isNull();
    }

    @Test
    void registersOncePerTopicAndUsesTopicNameStrategy() {
        spendCodec.encode("spend-a", spend(null));
        spendCodec.encode("spend-a", spend("x"));
        spendCodec.encode("spend-b", spend(null));

        assertThat(registry.registerCalls).hasValue(2);
        assertThat(registry.idsBySubject).containsOnlyKeys("spend-a-value", "spend-b-value");

        var keyCodec = new AvroCodec<>(registry, MarketingSpend.class, true, true);
        keyCodec.encode("spend-a", spend(null));
        assertThat(registry.idsBySubject).containsKey("spend-a-key");
    }

    @Test
    void withoutAutoRegisterLooksUpAndFailsWhenNotRegistered() {
        var codec = new AvroCodec<>(registry, MarketingSpend.class, false, false);
        assertThatThrownBy(() -> codec.encode("spend", spend(null))).isInstanceOf(SchemaNotFoundException.class);
        assertThat(registry.registerCalls).hasValue(0);

        registry.idsBySubject.put("spend-value", 42);
        assertThat(AvroCodec.schemaIdOf(codec.encode("spend", spend(null)))).isEqualTo(42);
        codec.encode("spend", spend(null));
        assertThat(registry.lookupCalls).hasValue(2);
    }

    @Test
    void valuesThatDoNotFitTheSchemaAreIllegalArguments() {
        var nullChannel = spend(null);
        nullChannel.setChannel(null);
        var tooManyDecimals = spend(null);
        tooManyDecimals.setAmount(new BigDecimal("1.23456"));

        assertThatThrownBy(() -> spendCodec.encode("spend", nullChannel))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("MarketingSpend");
        assertThatThrownBy(() -> spendCodec.encode("spend", tooManyDecimals))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("scale");
    }

    @Test
    void notTheWireFormatIsMalformed() {
        for (byte[] bad : new byte[][]{null, {}, hex("00010203"), hex("0101020304aa"), hex("ff")}) {
            DecodeException e = catchThrowableOfType(DecodeException.class, () -> spendCodec.decode("t", bad));
            assertThat(e.reason()).as("reason for %s", Arrays.toString(bad)).isEqualTo(DeadLetterReason.MALFORMED);
            assertThat(e.schemaId()).isNull();
            assertThat(e.getMessage()).isNotBlank();
        }
        assertThat(registry.getByIdCalls).hasValue(0);
    }

    @Test
    void anIdTheRegistryDoesNotKnowIsUnknownSchemaId() {
        DecodeException e = catchThrowableOfType(DecodeException.class,
                () -> spendCodec.decode("t", framed(99, avroBinary(genericSpend(null)))));

        assertThat(e.reason()).isEqualTo(DeadLetterReason.UNKNOWN_SCHEMA_ID);
        assertThat(e.schemaId()).isEqualTo(99);
        assertThat(e.getMessage()).contains("99");
    }

    @Test
    void badAvroIsUndecodable() {
        registry.put(5, contract("MarketingSpend"));
        byte[] body = avroBinary(genericSpend("spring"));
        byte[] truncated = framed(5, Arrays.copyOf(body, body.length - 3));
        byte[] trailing = framed(5, Arrays.copyOf(body, body.length + 2));
        byte[] garbage = framed(5, hex("ffffffffffffffffff01"));
        byte[] hugeLength = framed(5, hex("feffffff0f41"));
        byte[] badUnionIndex = framed(5, hex("06652d31" + "0673656f" + "08"));
        byte[] emptyBody = framed(5, new byte[0]);

        for (byte[] bad : new byte[][]{truncated, trailing, garbage, hugeLength, badUnionIndex, emptyBody}) {
            DecodeException e = catchThrowableOfType(DecodeException.class, () -> spendCodec.decode("t", bad));
            assertThat(e.reason()).as("reason for %s", Arrays.toString(bad)).isEqualTo(DeadLetterReason.UNDECODABLE);
            assertThat(e.schemaId()).isEqualTo(5);
            assertThat(e.getMessage()).doesNotContain("\n");
        }
        assertThat(catchThrowableOfType(DecodeException.class, () -> spendCodec.decode("t", trailing)))
                .hasMessageContaining("2 unread byte(s)");
    }

    @Test
    void aSchemaIdHoldingANonAvroSchemaIsUndecodable() {
        registry.failure = new UnsupportedSchemaException("schema id 3 is a PROTOBUF schema, not Avro", null);
        var codec = new AvroCodec<>(registry, MarketingSpend.class, false, true);

        DecodeException e = catchThrowableOfType(DecodeException.class,
                () -> codec.decode("t", framed(3, avroBinary(genericSpend(null)))));

        assertThat(e.reason()).isEqualTo(DeadLetterReason.UNDECODABLE);
        assertThat(e.schemaId()).isEqualTo(3);
        assertThat(e.getMessage()).contains("PROTOBUF");
    }

    @Test
    void registryOutagesPropagateAndAreNeverABadRecordVerdict() {
        registry.failure = new RegistryUnavailableException("down", 503, null);
        byte[] bytes = framed(5, avroBinary(genericSpend(null)));

        assertThatThrownBy(() -> spendCodec.decode("t", bytes)).isInstanceOf(RegistryUnavailableException.class);
        assertThatThrownBy(() -> spendCodec.encode("t", spend(null))).isInstanceOf(RegistryUnavailableException.class);

        registry.failure = null;
        registry.put(5, contract("MarketingSpend"));
        assertThat(catchThrowableOfType(Exception.class, () -> spendCodec.decode("t", bytes))).isNull();
    }

    @Test
    void theWriterSchemaIsFetchedOncePerId() throws Exception {
        registry.put(5, contract("MarketingSpend"));
        byte[] bytes = framed(5, avroBinary(genericSpend(null)));

        for (int i = 0; i < 5; i++) {
            assertThat(spendCodec.decode("t", bytes)).isEqualTo(spend(null));
        }

        assertThat(registry.getByIdCalls).hasValue(1);
    }

    @Test
    void isSafeToShareBetweenThreads() throws Exception {
        String scope = "codec-threads-" + System.nanoTime();
        var codec = new AvroCodec<>(MockSchemaRegistry.client(scope), MarketingSpend.class, false, true);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    for (int i = 0; i < 300; i++) {
                        var value = new MarketingSpend("e-" + thread + "-" + i, "ch-" + (i % 7), i % 2 == 0 ? null : "c",
                                new BigDecimal(i).movePointLeft(4), "EUR", SpendCategory.values()[i % 4], AT);
                        String topic = "spend-" + (i % 3);
                        if (!codec.decode(topic, codec.encode(topic, value)).equals(value)) return false;
                    }
                    return true;
                }));
            }
            for (var r : results) assertThat(r.get()).isTrue();
        } finally {
            pool.shutdownNow();
            MockSchemaRegistry.drop(scope);
        }
    }
}
