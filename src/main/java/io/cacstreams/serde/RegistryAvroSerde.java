package io.cacstreams.serde;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** TEMPORARY stand-in until the serde branch lands (replaced by its version on merge). */
public final class RegistryAvroSerde<T extends SpecificRecord> implements Serde<T> {
    private final AvroCodec<T> codec;

    public RegistryAvroSerde(SchemaRegistryClient registry, Class<T> type, boolean isKey, boolean autoRegister) {
        this.codec = new AvroCodec<>(registry, type, isKey, autoRegister);
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, value) -> value == null ? null : codec.encode(topic, value);
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, bytes) -> {
            try {
                return bytes == null ? null : codec.decode(topic, bytes);
            } catch (DecodeException e) {
                throw new SerializationException(e.getMessage(), e);
            }
        };
    }
}
