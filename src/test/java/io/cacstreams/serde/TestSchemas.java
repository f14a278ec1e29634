package io.cacstreams.serde;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/** Schemas read straight from the .avsc contracts (not from the generated classes) and plain-Avro framing. */
final class TestSchemas {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TestSchemas() {
    }

    static String avsc(String name) {
        try {
            return Files.readString(Path.of("schemas/input", name + ".avsc"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Schema contract(String name) {
        return new Schema.Parser().parse(avsc(name));
    }

    /** The contract {@code name} with its field list edited. */
    static Schema edited(String name, Consumer<ArrayNode> editFields) {
        try {
            ObjectNode root = (ObjectNode) JSON.readTree(avsc(name));
            editFields.accept((ArrayNode) root.get("fields"));
            return new Schema.Parser().parse(JSON.writeValueAsString(root));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode field(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Plain Avro binary of {@code record}, written by GenericDatumWriter without any logical-type conversions. */
    static byte[] avroBinary(GenericRecord record) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            new GenericDatumWriter<GenericRecord>(record.getSchema()).write(record, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The 5-byte header, written out by hand, followed by {@code body}. */
    static byte[] framed(int id, byte[] body) {
        byte[] out = new byte[5 + body.length];
        out[0] = 0;
        out[1] = (byte) (id >>> 24);
        out[2] = (byte) (id >>> 16);
        out[3] = (byte) (id >>> 8);
        out[4] = (byte) id;
        System.arraycopy(body, 0, out, 5, body.length);
        return out;
    }

    static byte[] hex(String hex) {
        byte[] out = new byte[hex.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }
}
