package io.cacstreams.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checks an answer against the OpenAPI document the server serves, with a JSON Schema validator we did not write
 * (networknt, draft 2020-12 as OpenAPI 3.1 uses): the (path, status) must be documented and the body match its schema.
 */
final class OpenApiCheck {
    private final JsonNode doc;
    private final ObjectMapper json = new ObjectMapper();
    private final SchemaRegistry schemas = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

    OpenApiCheck(JsonNode doc) {
        this.doc = doc;
    }

    /** {@code body}, answered with {@code status} on the documented route {@code route}, matches the document. */
    void assertMatches(String route, int status, JsonNode body) {
        JsonNode response = doc.path("paths").path(route).path("get").path("responses").path(Integer.toString(status));
        assertThat(response.isMissingNode()).as("%s answers %d: documented", route, status).isFalse();
        if (response.has("$ref")) response = resolve(response.get("$ref").asText());
        JsonNode schema = response.path("content").path("application/json").path("schema");
        assertThat(schema.isMissingNode()).as("%s %d has a JSON schema", route, status).isFalse();
        ObjectNode root = json.createObjectNode();
        root.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        root.setAll((ObjectNode) schema.deepCopy());
        root.set("components", doc.get("components"));
        Schema validator = schemas.getSchema(root);
        List<Error> errors = validator.validate(body);
        assertThat(errors).as("%s %d: %s", route, status, body).isEmpty();
    }

    private JsonNode resolve(String ref) {
        JsonNode node = doc;
        for (String part : ref.substring(2).split("/")) node = node.path(part);
        return node;
    }
}
