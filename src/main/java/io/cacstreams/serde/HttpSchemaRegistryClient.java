package io.cacstreams.serde;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cacstreams.config.ConfigException;
import io.cacstreams.config.RegistrySettings;
import org.apache.avro.Schema;
import org.apache.avro.AvroRuntimeException;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The Confluent Schema Registry REST API over {@link java.net.http.HttpClient}: register, lookup, schema by id and
 * latest version, with LRU caches of id to schema and (subject, schema) to id, each bounded by
 * {@link RegistrySettings#cacheCapacity()}. Retries, timeouts, error mapping and auth are in {@link RegistryHttp}.
 * Thread-safe. {@link #close()} drops the caches; the JDK 17 HttpClient has no close and is left to the GC.
 */
final class HttpSchemaRegistryClient implements SchemaRegistryClient {
    private final RegistryHttp http;
    private final String description;
    private final LruCache<Integer, Schema> schemasById;
    private final LruCache<SubjectSchema, Integer> idsBySubjectSchema;
    private volatile boolean closed;

    private record SubjectSchema(String subject, String schema) {
    }

    HttpSchemaRegistryClient(RegistrySettings settings) {
        String baseUrl = baseUrl(settings.url());
        String userInfo = settings.basicAuthUserInfo();
        List<String> secrets = new ArrayList<>(SslContexts.secrets(settings.ssl()));
        String user = null;
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            if (colon < 0) throw new ConfigException("cac.registry.basic.auth.user.info", "expected user:password");
            user = userInfo.substring(0, colon);
            secrets.add(userInfo.substring(colon + 1));
        }
        Redactor redactor = new Redactor(secrets);
        this.http = new RegistryHttp(baseUrl, userInfo, settings.timeout(), settings.maxRetries(),
                settings.retryBackoff(), SslContexts.build(settings.ssl()), redactor);
        this.description = "HttpSchemaRegistryClient[url=" + baseUrl + ", basicAuth="
                + (user == null ? "none" : user + ":" + Redactor.HIDDEN) + "]";
        this.schemasById = new LruCache<>(settings.cacheCapacity());
        this.idsBySubjectSchema = new LruCache<>(settings.cacheCapacity());
    }

    /** The URL with its path prefix, without a trailing slash; user info is refused so it cannot leak into logs. */
    static String baseUrl(String url) {
        URI uri;
        try {
            uri = URI.create(url.strip());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("cac.registry.url", "not a valid URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new ConfigException("cac.registry.url", "expected an http:// or https:// URL");
        }
        if (uri.getRawUserInfo() != null) {
            throw new ConfigException("cac.registry.url",
                    "must not carry credentials; set cac.registry.basic.auth.user.info instead");
        }
        if (uri.getHost() == null) throw new ConfigException("cac.registry.url", "has no host");
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new ConfigException("cac.registry.url", "must not have a query or fragment");
        }
        String text = uri.toString();
        while (text.endsWith("/")) text = text.substring(0, text.length() - 1);
        return text;
    }

    @Override
    public int register(String subject, Schema schema) {
        return idFor("/subjects/" + segment(subject) + "/versions", subject, schema);
    }

    @Override
    public int lookup(String subject, Schema schema) {
        return idFor("/subjects/" + segment(subject), subject, schema);
    }

    /** Register and lookup share the cache: a schema known under a subject has the same id either way. */
    private int idFor(String path, String subject, Schema schema) {
        checkOpen();
        String text = schema.toString();
        SubjectSchema key = new SubjectSchema(subject, text);
        Integer cached = idsBySubjectSchema.get(key);
        if (cached != null) return cached;
        ObjectNode body = RegistryHttp.JSON.createObjectNode().put("schema", text);
        JsonNode response = http.post(path, body);
        int id = requiredInt(response, "id", path);
        idsBySubjectSchema.put(key, id);
        if (schemasById.get(id) == null) schemasById.put(id, schema);
        return id;
    }

    @Override
    public Schema getById(int id) {
        checkOpen();
        Schema cached = schemasById.get(id);
        if (cached != null) return cached;
        String path = "/schemas/ids/" + id;
        Schema schema = parse(http.get(path), "schema id " + id);
        schemasById.put(id, schema);
        return schema;
    }

    @Override
    public SchemaVersion latest(String subject) {
        checkOpen();
        String path = "/subjects/" + segment(subject) + "/versions/latest";
        JsonNode response = http.get(path);
        int id = requiredInt(response, "id", path);
        int version = requiredInt(response, "version", path);
        Schema schema = parse(response, "subject " + subject + " latest version (id " + id + ")");
        schemasById.put(id, schema);
        return new SchemaVersion(response.path("subject").asText(subject), version, id, schema);
    }

    /** Drops the caches; later calls fail. */
    @Override
    public void close() {
        closed = true;
        schemasById.clear();
        idsBySubjectSchema.clear();
    }

    @Override
    public String toString() {
        return description;
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException(description + " is closed");
    }

    private Schema parse(JsonNode response, String what) {
        String type = response.path("schemaType").asText("AVRO");
        if (!type.equalsIgnoreCase("AVRO")) {
            throw new UnsupportedSchemaException(what + " is a " + type + " schema, not Avro", null);
        }
        JsonNode references = response.path("references");
        if (references.isArray() && !references.isEmpty()) {
            throw new UnsupportedSchemaException(what + " uses schema references, which this client does not resolve",
                    null);
        }
        JsonNode text = response.get("schema");
        if (text == null || !text.isTextual()) {
            throw new RegistryException("schema registry " + http.baseUrl() + ": no \"schema\" in the answer for "
                    + what, 200, null);
        }
        try {
            // Writer schemas only need to describe the bytes; their defaults are never used, so do not reject them.
            return new Schema.Parser().setValidateDefaults(false).parse(text.asText());
        } catch (AvroRuntimeException e) {
            throw new UnsupportedSchemaException(what + " is not a valid Avro schema: " + Text.describe(e, 200), e);
        }
    }

    private int requiredInt(JsonNode response, String field, String path) {
        JsonNode value = response.get(field);
        if (value == null || !value.canConvertToInt()) {
            throw new RegistryException("schema registry " + http.baseUrl() + path + ": answer has no integer \""
                    + field + "\"", 200, null);
        }
        return value.intValue();
    }

    private static String segment(String subject) {
        return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
