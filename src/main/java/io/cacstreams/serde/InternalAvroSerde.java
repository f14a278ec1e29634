package io.cacstreams.serde;

import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;

/**
 * Plain Avro binary for cac-streams' own state stores and repartition topics: nobody else reads them, so they carry
 * no registry header. The schemas live in {@code src/main/avro}; change them only compatibly (add fields with
 * defaults) or state written by an older version will not be readable.
 */
public final class InternalAvroSerde<T extends SpecificRecord> implements Serde<T> {
    private final SpecificDatumWriter<T> writer;
    private final SpecificDatumReader<T> reader;

    public InternalAvroSerde(Class<T> type) {
        var schema = SpecificData.get().getSchema(type);
        this.writer = new SpecificDatumWriter<>(schema);
        this.reader = new SpecificDatumReader<>(schema);
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, value) -> {
            if (value == null) return null;
            try {
                ByteArrayOutputStream out = new ByteArrayOutputStream(128);
                BinaryEncoder enc = EncoderFactory.get().directBinaryEncoder(out, null);
                writer.write(value, enc);
                enc.flush();
                return out.toByteArray();
            } catch (IOException | RuntimeException e) {
                throw new SerializationException("cannot write internal record " + value.getClass().getSimpleName(), e);
            }
        };
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, bytes) -> {
            if (bytes == null) return null;
            try {
                BinaryDecoder dec = DecoderFactory.get().binaryDecoder(bytes, null);
                return reader.read(null, dec);
            } catch (IOException | RuntimeException e) {
                throw new SerializationException("cannot read internal record from " + topic, e);
            }
        };
    }
}
