package io.cacstreams.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.GZIPInputStream;

/**
 * The official schemas of the deployment files, pinned under src/test/resources/schemas (see the README there): the
 * Compose Specification's JSON schema, and Kubernetes 1.35's OpenAPI documents, whose {@code components.schemas}
 * are JSON schemas, made strict (unknown fields refused) as kubeconform's {@code -strict} does.
 */
final class DeploymentSchemas {
    static final ObjectMapper JSON = new ObjectMapper();
    static final YAMLMapper YAML = new YAMLMapper();
    /** The Kubernetes group-version documents, by apiVersion. */
    private static final Map<String, String> KUBERNETES_DOCUMENTS = Map.of(
            "v1", "core-v1", "apps/v1", "apps-v1", "policy/v1", "policy-v1");
    private static final Map<String, Schema> KUBERNETES = new ConcurrentHashMap<>();
    private static final SchemaRegistry OPENAPI_30 = SchemaRegistry.withDefaultDialect(Dialects.getOpenApi30());
    private static final SchemaRegistry DRAFT_7 = SchemaRegistry.withDefaultDialect(Dialects.getDraft7());

    private DeploymentSchemas() {
    }

    /** Every document of a (multi-document) YAML file. */
    static List<JsonNode> readYaml(Path file) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (var parser = new YAMLFactory().createParser(file.toFile())) {
            YAML.readValues(parser, JsonNode.class).forEachRemaining(d -> {
                if (d != null && !d.isMissingNode() && !d.isNull()) docs.add(d);
            });
        }
        return docs;
    }

    /** What is wrong with {@code compose} by the Compose Specification; empty if nothing. */
    static List<String> composeErrors(JsonNode compose) throws IOException {
        try (InputStream in = resource("schemas/compose-spec/compose-spec.json")) {
            Schema schema = DRAFT_7.getSchema(SchemaLocation.of("https://cac-streams.test/compose-spec.json"),
                    JSON.readTree(in));
            return messages(schema.validate(compose));
        }
    }

    /**
     * What is wrong with the Kubernetes object {@code object} (by its apiVersion and kind) by Kubernetes' own schema;
     * empty if nothing.
     */
    static List<String> kubernetesErrors(JsonNode object) {
        String apiVersion = object.path("apiVersion").asText();
        String kind = object.path("kind").asText();
        String document = KUBERNETES_DOCUMENTS.get(apiVersion);
        if (document == null) return List.of("no schema here for apiVersion '" + apiVersion + "' (kind " + kind + ")");
        Schema schema = KUBERNETES.computeIfAbsent(apiVersion + " " + kind, k -> kubernetesSchema(document, apiVersion,
                kind));
        return schema == null ? List.of("no " + kind + " in " + apiVersion) : messages(schema.validate(object));
    }

    private static Schema kubernetesSchema(String document, String apiVersion, String kind) {
        ObjectNode openApi;
        try (InputStream in = new GZIPInputStream(resource("schemas/kubernetes-1.35/" + document + ".json.gz"))) {
            openApi = (ObjectNode) JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String name = null;
        for (var e : openApi.path("components").path("schemas").properties()) {
            for (JsonNode gvk : e.getValue().path("x-kubernetes-group-version-kind")) {
                String group = gvk.path("group").asText();
                String version = (group.isEmpty() ? "" : group + "/") + gvk.path("version").asText();
                if (version.equals(apiVersion) && gvk.path("kind").asText().equals(kind)) name = e.getKey();
            }
        }
        if (name == null) return null;
        strict(openApi.path("components").path("schemas"));
        openApi.put("$ref", "#/components/schemas/" + name);
        return OPENAPI_30.getSchema(SchemaLocation.of("https://cac-streams.test/kubernetes/" + document + ".json"),
                openApi);
    }

    /**
     * Refuses unknown fields: every object schema that lists its properties and says nothing of others gets
     * {@code additionalProperties: false} (the API server drops or refuses unknown fields; a schema check that let
     * them through would pass a misspelt {@code readinesProbe}). Walks the schemas through the keywords that hold
     * schemas, so that a field named like a keyword is not taken for one.
     */
    static void strict(JsonNode schemas) {
        schemas.forEach(DeploymentSchemas::strictSchema);
    }

    private static void strictSchema(JsonNode schema) {
        if (!schema.isObject()) return;
        ObjectNode o = (ObjectNode) schema;
        if (o.has("properties") && !o.has("additionalProperties")
                && !o.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
            o.put("additionalProperties", false);
        }
        o.path("properties").forEach(DeploymentSchemas::strictSchema);
        strictSchema(o.path("items"));
        strictSchema(o.path("additionalProperties"));
        strictSchema(o.path("not"));
        for (String list : List.of("allOf", "anyOf", "oneOf")) o.path(list).forEach(DeploymentSchemas::strictSchema);
    }

    private static List<String> messages(List<Error> errors) {
        return errors.stream().map(e -> e.getInstanceLocation() + ": " + e.getMessage()).toList();
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = DeploymentSchemas.class.getClassLoader().getResourceAsStream(name);
        if (in == null) throw new IOException("no test resource " + name);
        return in;
    }
}
