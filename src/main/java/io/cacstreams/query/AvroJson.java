package io.cacstreams.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The JSON form of the output records (metrics, alerts) and its JSON Schema, both derived from the Avro schema, so
 * the API and its OpenAPI document follow the contracts in {@code schemas/} field by field, including fields added
 * later. Field names are the Avro ones; a {@code timestamp-millis} is an ISO-8601 instant in UTC; an enum is its
 * symbol; a union with {@code null} is nullable; a double that is not finite is {@code null} (JSON has no NaN).
 */
final class AvroJson {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private AvroJson() {
    }

    static ObjectNode toJson(IndexedRecord record) {
        ObjectNode out = NODES.objectNode();
        for (Schema.Field f : record.getSchema().getFields()) {
            out.set(f.name(), value(f.schema(), record.get(f.pos())));
        }
        return out;
    }

    private static JsonNode value(Schema schema, Object v) {
        if (v == null) return NODES.nullNode();
        return switch (schema.getType()) {
            case UNION -> value(branchFor(schema, v), v);
            case RECORD -> toJson((IndexedRecord) v);
            case ENUM, STRING -> NODES.textNode(v.toString());
            case BOOLEAN -> NODES.booleanNode((Boolean) v);
            case INT -> NODES.numberNode(((Number) v).intValue());
            case LONG -> v instanceof Instant i ? NODES.textNode(i.toString()) : NODES.numberNode(((Number) v).longValue());
            case FLOAT, DOUBLE -> {
                double d = ((Number) v).doubleValue();
                yield Double.isFinite(d) ? NODES.numberNode(d) : NODES.nullNode();
            }
            case BYTES, FIXED -> NODES.textNode(Base64.getEncoder().encodeToString(bytes(v)));
            case ARRAY -> {
                ArrayNode a = NODES.arrayNode();
                for (Object item : (Iterable<?>) v) a.add(value(schema.getElementType(), item));
                yield a;
            }
            case MAP -> {
                ObjectNode m = NODES.objectNode();
                // sorted, so that the same record always gives the same JSON
                new TreeMap<>((Map<?, ?>) v).forEach((k, item) -> m.set(k.toString(),
                        value(schema.getValueType(), item)));
                yield m;
            }
            default -> NODES.textNode(v.toString());
        };
    }

    /** The non-null branch of a nullable union (the contracts have no other unions). */
    private static Schema branchFor(Schema union, Object v) {
        for (Schema s : union.getTypes()) {
            if (s.getType() != Schema.Type.NULL) return s;
        }
        throw new IllegalArgumentException("union without a non-null branch: " + union);
    }

    private static byte[] bytes(Object v) {
        if (v instanceof ByteBuffer b) {
            byte[] out = new byte[b.remaining()];
            b.duplicate().get(out);
            return out;
        }
        if (v instanceof org.apache.avro.generic.GenericFixed f) return f.bytes();
        return (byte[]) v;
    }

    /** The JSON Schema (2020-12, as OpenAPI 3.1 uses it) of {@link #toJson}'s output for records of {@code schema}. */
    static ObjectNode jsonSchema(Schema schema) {
        ObjectNode out = NODES.objectNode();
        out.put("type", "object");
        if (schema.getDoc() != null) out.put("description", schema.getDoc());
        ObjectNode properties = out.putObject("properties");
        ArrayNode required = out.putArray("required");
        for (Schema.Field f : schema.getFields()) {
            ObjectNode p = typeOf(f.schema());
            if (f.doc() != null) p.put("description", f.doc());
            properties.set(f.name(), p);
            required.add(f.name());
        }
        out.put("additionalProperties", false);
        return out;
    }

    private static ObjectNode typeOf(Schema schema) {
        if (schema.getType() == Schema.Type.UNION) {
            List<Schema> nonNull = schema.getTypes().stream().filter(s -> s.getType() != Schema.Type.NULL).toList();
            if (nonNull.size() != 1) throw new IllegalArgumentException("only nullable unions are mapped: " + schema);
            ObjectNode inner = typeOf(nonNull.get(0));
            JsonNode type = inner.get("type");
            if (type.isTextual()) inner.putArray("type").add(type.asText()).add("null");
            if (inner.has("enum")) ((ArrayNode) inner.get("enum")).addNull();
            return inner;
        }
        ObjectNode t = NODES.objectNode();
        LogicalType logical = schema.getLogicalType();
        switch (schema.getType()) {
            case RECORD -> {
                return jsonSchema(schema);
            }
            case ENUM -> {
                t.put("type", "string");
                ArrayNode symbols = t.putArray("enum");
                schema.getEnumSymbols().forEach(symbols::add);
            }
            case STRING -> t.put("type", "string");
            case BOOLEAN -> t.put("type", "boolean");
            case INT -> t.put("type", "integer").put("format", "int32");
            case LONG -> {
                if (logical instanceof LogicalTypes.TimestampMillis) {
                    t.put("type", "string").put("format", "date-time");
                } else {
                    t.put("type", "integer").put("format", "int64");
                }
            }
            // a non-finite double is written as null, hence nullable even where Avro's double is not
            case FLOAT, DOUBLE -> t.putArray("type").add("number").add("null");
            case BYTES, FIXED -> t.put("type", "string").put("contentEncoding", "base64");
            case ARRAY -> {
                t.put("type", "array");
                t.set("items", typeOf(schema.getElementType()));
            }
            case MAP -> {
                t.put("type", "object");
                t.set("additionalProperties", typeOf(schema.getValueType()));
            }
            default -> throw new IllegalArgumentException("no JSON mapping for " + schema);
        }
        return t;
    }
}
