package io.cacstreams.serde;

import org.apache.avro.specific.SpecificRecord;

/**
 * Reads and writes one Avro type in the Confluent wire format: magic byte 0, 4-byte big-endian schema id, Avro
 * binary. Reads resolve the writer's schema (fetched by id, cached) against {@code type}'s schema, so records written
 * with an older or newer compatible schema are read. Writes register the schema under the TopicNameStrategy subject
 * when auto-register is on, else look it up.
 */
public final class AvroCodec<T extends SpecificRecord> {

    public AvroCodec(SchemaRegistryClient registry, Class<T> type, boolean isKey, boolean autoRegister) {
        throw new UnsupportedOperationException("implemented in the serde work");
    }

    /** Decodes; {@link DecodeException} for bad bytes, {@link RegistryUnavailableException} if the registry is down. */
    public T decode(String topic, byte[] data) throws DecodeException {
        throw new UnsupportedOperationException();
    }

    /** The schema id in the header of {@code data}, or null if {@code data} is not in the wire format. */
    public static Integer schemaIdOf(byte[] data) {
        throw new UnsupportedOperationException();
    }

    public byte[] encode(String topic, T value) {
        throw new UnsupportedOperationException();
    }
}
