package io.cacstreams.serde;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A Kafka {@link Serde} for one generated Avro type in the Confluent wire format, on top of {@link AvroCodec}.
 *
 * <ul>
 *   <li>Null stays null both ways (tombstones).</li>
 *   <li>The deserializer throws {@link SerializationException} for a bad record ({@link DecodeException}); its
 *       message names the reason and the schema id, e.g. {@code UNKNOWN_SCHEMA_ID (schema id 42): ...}, and the
 *       DecodeException is the cause. Registry errors while fetching a writer schema (e.g. 401) are not verdicts
 *       on the record and propagate as the {@link RegistryException} they are.</li>
 *   <li>The serializer throws {@link SerializationException} when the value cannot be encoded or the registry
 *       refuses the schema (any {@link RegistryException} but the one below).</li>
 *   <li>{@link RegistryUnavailableException} (registry unreachable, timing out or answering 5xx after the bounded
 *       retries) propagates <em>unchanged</em> from both, never as a SerializationException: it says nothing about
 *       the record. It is deliberately not wrapped in a Kafka {@code RetriableException}: Kafka Streams 4.x treats a
 *       RETRY response to a serialization error as FAIL anyway, and a distinct type lets an exception handler tell
 *       an outage ({@code instanceof RegistryException}) from a bad record ({@code SerializationException}) and
 *       fail instead of skipping. A handler that continues on every deserialization error would drop records
 *       during an outage, which is why the topology decodes with {@link AvroCodec} itself.</li>
 * </ul>
 *
 * The registry client is shared, not owned: {@link #close()} leaves it open.
 */
public final class RegistryAvroSerde<T extends SpecificRecord> implements Serde<T> {
    private final AvroCodec<T> codec;

    public RegistryAvroSerde(SchemaRegistryClient registry, Class<T> type, boolean isKey, boolean autoRegister) {
        this.codec = new AvroCodec<>(registry, type, isKey, autoRegister);
    }

    public AvroCodec<T> codec() {
        return codec;
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, value) -> {
            if (value == null) return null;
            try {
                return codec.encode(topic, value);
            } catch (RegistryUnavailableException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new SerializationException("cannot serialize " + codec.type().getSimpleName() + " for topic "
                        + topic + ": " + e.getMessage(), e);
            }
        };
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, bytes) -> {
            if (bytes == null) return null;
            try {
                return codec.decode(topic, bytes);
            } catch (DecodeException e) {
                throw new SerializationException("cannot deserialize " + codec.type().getSimpleName() + " from topic "
                        + topic + ": " + e.reason() + (e.schemaId() == null ? "" : " (schema id " + e.schemaId() + ")")
                        + ": " + e.getMessage(), e);
            }
        };
    }

    @Override
    public String toString() {
        return "RegistryAvroSerde[" + codec + "]";
    }
}
