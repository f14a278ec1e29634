package io.cacstreams.serde;

import io.cacstreams.config.RegistrySettings;
import io.cacstreams.events.Churn;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.UUID;

import static io.cacstreams.serde.TestSchemas.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RegistryAvroSerdeTest {
    private final String scope = "serde-" + UUID.randomUUID();
    private final SchemaRegistryClient registry = SchemaRegistryClient.create(RegistrySettings.mock(scope));
    private final RegistryAvroSerde<Churn> serde = new RegistryAvroSerde<>(registry, Churn.class, false, true);
    private final Churn churn = new Churn("e-1", "c-1", "price", Instant.ofEpochMilli(1_700_000_000_000L));

    @AfterEach
    void drop() {
        MockSchemaRegistry.drop(scope);
    }

    @Test
    void roundTripsAndKeepsNullsNull() {
        byte[] bytes = serde.serializer().serialize("churn", churn);

        assertThat(serde.deserializer().deserialize("churn", bytes)).isEqualTo(churn);
        assertThat(AvroCodec.schemaIdOf(bytes)).isEqualTo(registry.lookup("churn-value", Churn.getClassSchema()));
        assertThat(serde.serializer().serialize("churn", null)).isNull();
        assertThat(serde.deserializer().deserialize("churn", null)).isNull();
    }

    @Test
    void badRecordsAreSerializationExceptionsNamingReasonAndSchemaId() {
        assertThatThrownBy(() -> serde.deserializer().deserialize("churn", hex("0000000063aa")))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("UNKNOWN_SCHEMA_ID (schema id 99)")
                .hasCauseInstanceOf(DecodeException.class);
        assertThatThrownBy(() -> serde.deserializer().deserialize("churn", hex("7b7d")))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("MALFORMED");
        int id = AvroCodec.schemaIdOf(serde.serializer().serialize("churn", churn));
        assertThatThrownBy(() -> serde.deserializer().deserialize("churn", hex(String.format("00%08x02", id))))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("UNDECODABLE (schema id " + id + ")");
    }

    @Test
    void valuesThatCannotBeWrittenAreSerializationExceptions() {
        Churn noCustomer = new Churn("e-2", null, null, Instant.EPOCH);

        assertThatThrownBy(() -> serde.serializer().serialize("churn", noCustomer))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("Churn");
    }

    @Test
    void registryOutagesPropagateUnchangedBothWays() {
        byte[] bytes = serde.serializer().serialize("churn", churn);
        MockSchemaRegistry.forScope(scope).setUnavailable(true);
        RegistryAvroSerde<Churn> fresh = new RegistryAvroSerde<>(registry, Churn.class, false, true);

        assertThatThrownBy(() -> fresh.deserializer().deserialize("churn", bytes))
                .isExactlyInstanceOf(RegistryUnavailableException.class);
        assertThatThrownBy(() -> fresh.serializer().serialize("churn", churn))
                .isExactlyInstanceOf(RegistryUnavailableException.class);
    }

    @Test
    void keySerdeRegistersUnderTheKeySubject() {
        RegistryAvroSerde<Churn> keySerde = new RegistryAvroSerde<>(registry, Churn.class, true, true);

        keySerde.serializer().serialize("churn", churn);

        assertThat(registry.latest("churn-key").schema()).isEqualTo(Churn.getClassSchema());
    }
}
