package io.cacstreams.query;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cacstreams.config.QuerySettings;
import io.cacstreams.events.ChannelAlert;
import io.cacstreams.events.ChannelMetrics;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The OpenAPI 3.1 document served at {@code /api/openapi.json}: the routes, parameters and envelopes are written by
 * hand in {@code openapi.json} beside this class; the record schemas ({@code ChannelMetrics}, {@code ChannelAlert})
 * are generated from the Avro contracts the server was built with ({@link AvroJson#jsonSchema}), the windows from the
 * configuration, and the security requirement from whether credentials are configured.
 */
final class OpenApi {
    private static final String TEMPLATE = "openapi.json";

    private OpenApi() {
    }

    static ObjectNode document(ObjectMapper json, List<String> windows, String defaultWindow, QuerySettings settings) {
        ObjectNode doc;
        try (InputStream in = OpenApi.class.getResourceAsStream(TEMPLATE)) {
            if (in == null) throw new IllegalStateException(TEMPLATE + " is missing from the classpath");
            doc = (ObjectNode) json.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + TEMPLATE, e);
        }
        ObjectNode components = (ObjectNode) doc.get("components");
        ObjectNode schemas = (ObjectNode) components.get("schemas");
        schemas.set("ChannelMetrics", AvroJson.jsonSchema(ChannelMetrics.getClassSchema()));
        schemas.set("ChannelAlert", AvroJson.jsonSchema(ChannelAlert.getClassSchema()));
        ObjectNode window = (ObjectNode) components.get("parameters").get("window").get("schema");
        ArrayNode allowed = window.putArray("enum");
        windows.forEach(allowed::add);
        window.put("default", defaultWindow);
        if (settings.authRequired()) {
            ArrayNode security = doc.putArray("security");
            if (settings.bearerToken() != null) security.addObject().putArray("bearer");
            if (settings.basicAuthUserInfo() != null) security.addObject().putArray("basic");
        }
        return doc;
    }
}
