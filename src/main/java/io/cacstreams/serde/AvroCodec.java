package io.cacstreams.serde;

import io.cacstreams.events.DeadLetterReason;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Reads and writes one Avro type in the Confluent wire format: magic byte 0, 4-byte big-endian schema id, Avro
 * binary. Reads resolve the writer's schema (fetched by id, cached) against {@code type}'s schema, so records written
 * with an older or newer compatible schema are read. Writes register the schema under the TopicNameStrategy subject
 * when auto-register is on, else look it up.
 *
 * <p>Reads and writes use the generated class's own {@link SpecificData} (its {@code MODEL$}, which carries the
 * decimal and timestamp conversions), so {@code BigDecimal} and {@code Instant} fields work. Thread-safe.
 */
public final class AvroCodec<T extends SpecificRecord> {
    /** The Confluent wire format's magic byte. */
    public static final byte MAGIC_BYTE = 0;
    /** Magic byte plus schema id. */
    public static final int HEADER_SIZE = 5;
    private static final int MAX_DETAIL = 300;

    private final SchemaRegistryClient registry;
    private final Class<T> type;
    private final boolean isKey;
    private final boolean autoRegister;
    private final SpecificData model;
    private final Schema schema;
    private final DatumWriter<T> writer;
    private final ConcurrentMap<Integer, DatumReader<T>> readersByWriterId = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Integer> idsByTopic = new ConcurrentHashMap<>();

    public AvroCodec(SchemaRegistryClient registry, Class<T> type, boolean isKey, boolean autoRegister) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.type = Objects.requireNonNull(type, "type");
        this.isKey = isKey;
        this.autoRegister = autoRegister;
        this.model = SpecificData.getForClass(type);
        this.schema = model.getSchema(type);
        if (schema.getType() != Schema.Type.RECORD) {
            throw new IllegalArgumentException(type.getName() + " is not a generated Avro record class");
        }
        this.writer = new SpecificDatumWriter<>(schema, model);
    }

    /** The reader (and writer) schema: {@code type}'s compiled schema. */
    public Schema schema() {
        return schema;
    }

    public Class<T> type() {
        return type;
    }

    /**
     * Decodes; {@link DecodeException} for bad bytes, {@link RegistryUnavailableException} if the registry is down.
     * Other {@link RegistryException}s (401, a URL that is no registry API) are not verdicts on the record either
     * and propagate too; only "no such schema id" (UNKNOWN_SCHEMA_ID) and "not an Avro schema" (UNDECODABLE) are.
     */
    public T decode(String topic, byte[] data) throws DecodeException {
        if (data == null) throw new DecodeException(DeadLetterReason.MALFORMED, null, "no bytes (null)", null);
        if (data.length < HEADER_SIZE) {
            throw new DecodeException(DeadLetterReason.MALFORMED, null, data.length + " bytes, shorter than the "
                    + HEADER_SIZE + "-byte schema registry header", null);
        }
        if (data[0] != MAGIC_BYTE) {
            throw new DecodeException(DeadLetterReason.MALFORMED, null, String.format(
                    "magic byte 0x%02x, expected 0x00: not the schema registry wire format", data[0] & 0xff), null);
        }
        int id = readId(data);
        DatumReader<T> reader = readerFor(topic, id);
        BinaryDecoder in = DecoderFactory.get().binaryDecoder(data, HEADER_SIZE, data.length - HEADER_SIZE, null);
        T value;
        try {
            value = reader.read(null, in);
        } catch (IOException | RuntimeException e) {
            // EOFException (truncated), AvroRuntimeException (bad lengths, bad union index, unresolvable schemas), ...
            throw new DecodeException(DeadLetterReason.UNDECODABLE, id, "cannot read " + type.getSimpleName()
                    + " from " + topic + " with writer schema id " + id + ": " + Text.describe(e, MAX_DETAIL), e);
        }
        int trailing = remaining(in);
        if (trailing != 0) {
            throw new DecodeException(DeadLetterReason.UNDECODABLE, id, trailing + " unread byte(s) after the "
                    + type.getSimpleName() + " record (writer schema id " + id + ")", null);
        }
        return value;
    }

    /** The schema id in the header of {@code data}, or null if {@code data} is not in the wire format. */
    public static Integer schemaIdOf(byte[] data) {
        if (data == null || data.length < HEADER_SIZE || data[0] != MAGIC_BYTE) return null;
        return readId(data);
    }

    /**
     * Encodes {@code value} for {@code topic}. The schema id is registered (or looked up) once per topic; registry
     * failures propagate as {@link RegistryException}s, a value that does not fit its schema (a null in a required
     * field, a decimal with too many digits) as {@link IllegalArgumentException}.
     */
    public byte[] encode(String topic, T value) {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(value, "value");
        int id = schemaIdFor(topic);
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        out.write(MAGIC_BYTE);
        out.write(id >>> 24);
        out.write(id >>> 16);
        out.write(id >>> 8);
        out.write(id);
        try {
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            writer.write(value, encoder);
            encoder.flush();
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot encode " + type.getSimpleName() + " for " + topic + ": "
                    + Text.describe(e, MAX_DETAIL), e);
        }
        return out.toByteArray();
    }

    /** The id {@link #encode} writes for {@code topic}, registering or looking the schema up on first use. */
    public int schemaIdFor(String topic) {
        Integer cached = idsByTopic.get(topic);
        if (cached != null) return cached;
        String subject = SchemaRegistryClient.subject(topic, isKey);
        int id = autoRegister ? registry.register(subject, schema) : registry.lookup(subject, schema);
        idsByTopic.putIfAbsent(topic, id);
        return id;
    }

    private DatumReader<T> readerFor(String topic, int id) throws DecodeException {
        DatumReader<T> reader = readersByWriterId.get(id);
        if (reader != null) return reader;
        Schema writerSchema;
        try {
            writerSchema = registry.getById(id);
        } catch (SchemaNotFoundException e) {
            throw new DecodeException(DeadLetterReason.UNKNOWN_SCHEMA_ID, id, "schema id " + id + " of a record in "
                    + topic + " is not in the registry", e);
        } catch (UnsupportedSchemaException e) {
            throw new DecodeException(DeadLetterReason.UNDECODABLE, id, Text.oneLine(e.getMessage(), MAX_DETAIL), e);
        }
        reader = new SpecificDatumReader<>(writerSchema, schema, model);
        DatumReader<T> raced = readersByWriterId.putIfAbsent(id, reader);
        return raced == null ? reader : raced;
    }

    private static int readId(byte[] data) {
        return ((data[1] & 0xff) << 24) | ((data[2] & 0xff) << 16) | ((data[3] & 0xff) << 8) | (data[4] & 0xff);
    }

    private static int remaining(BinaryDecoder in) {
        try {
            return in.isEnd() ? 0 : Math.max(1, in.inputStream().available());
        } catch (IOException e) {
            return 1;
        }
    }

    @Override
    public String toString() {
        return "AvroCodec[" + type.getSimpleName() + (isKey ? ", key" : ", value")
                + (autoRegister ? ", auto-register" : "") + "]";
    }
}
