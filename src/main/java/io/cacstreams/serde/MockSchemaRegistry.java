package io.cacstreams.serde;

import org.apache.avro.Schema;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * An in-process schema registry for tests and local runs, one per scope ({@code mock://<scope>}) and shared by
 * every client of that scope in this JVM. It behaves like the HTTP registry: ids are global and start at 1, the same
 * schema text gets the same id under every subject, versions count from 1 per subject, and registering a schema
 * that is already under the subject returns its id without adding a version. Like Apicurio's default, it checks no
 * compatibility. Schemas are compared by their JSON text ({@link Schema#toString()}).
 */
public final class MockSchemaRegistry {
    private static final ConcurrentMap<String, MockSchemaRegistry> SCOPES = new ConcurrentHashMap<>();

    private final String scope;
    private final Map<String, Integer> idsByText = new HashMap<>();
    private final Map<Integer, Schema> schemasById = new HashMap<>();
    private final Map<String, List<Integer>> versionsBySubject = new HashMap<>();
    private int nextId = 1;
    private volatile boolean unavailable;

    private MockSchemaRegistry(String scope) {
        this.scope = scope;
    }

    /** The registry of {@code scope}, created empty on first use. */
    public static MockSchemaRegistry forScope(String scope) {
        return SCOPES.computeIfAbsent(scope, MockSchemaRegistry::new);
    }

    /** Forgets the registry of {@code scope}: the next use of the scope starts empty, with ids from 1 again. */
    public static void drop(String scope) {
        SCOPES.remove(scope);
    }

    /** A client of the registry of {@code scope}; it follows {@link #drop}, so it always sees the current one. */
    public static SchemaRegistryClient client(String scope) {
        return new Client(scope);
    }

    /**
     * Fault injection: while unavailable, every call fails with {@link RegistryUnavailableException}, as the HTTP
     * client does once its retries are used up.
     */
    public void setUnavailable(boolean unavailable) {
        this.unavailable = unavailable;
    }

    public synchronized int register(String subject, Schema schema) {
        checkAvailable();
        String text = schema.toString();
        List<Integer> versions = versionsBySubject.computeIfAbsent(subject, s -> new ArrayList<>());
        Integer id = idsByText.get(text);
        if (id == null) {
            id = nextId++;
            idsByText.put(text, id);
            schemasById.put(id, new Schema.Parser().parse(text));
        }
        if (!versions.contains(id)) versions.add(id);
        return id;
    }

    public synchronized int lookup(String subject, Schema schema) {
        checkAvailable();
        List<Integer> versions = versionsBySubject.get(subject);
        if (versions == null) throw new SchemaNotFoundException(where() + "subject '" + subject + "' not found (40401)");
        Integer id = idsByText.get(schema.toString());
        if (id == null || !versions.contains(id)) {
            throw new SchemaNotFoundException(where() + "schema not registered under subject '" + subject + "' (40403)");
        }
        return id;
    }

    public synchronized Schema getById(int id) {
        checkAvailable();
        Schema schema = schemasById.get(id);
        if (schema == null) throw new SchemaNotFoundException(where() + "schema id " + id + " not found (40403)");
        return schema;
    }

    public synchronized SchemaVersion latest(String subject) {
        checkAvailable();
        List<Integer> versions = versionsBySubject.get(subject);
        if (versions == null || versions.isEmpty()) {
            throw new SchemaNotFoundException(where() + "subject '" + subject + "' not found (40401)");
        }
        int id = versions.get(versions.size() - 1);
        return new SchemaVersion(subject, versions.size(), id, schemasById.get(id));
    }

    /** The subjects, in no particular order. */
    public synchronized List<String> subjects() {
        return List.copyOf(versionsBySubject.keySet());
    }

    private void checkAvailable() {
        if (unavailable) throw new RegistryUnavailableException(where() + "unavailable (fault injected)", -1, null);
    }

    private String where() {
        return "mock schema registry '" + scope + "': ";
    }

    @Override
    public String toString() {
        return "MockSchemaRegistry[" + scope + "]";
    }

    /** A client view of a scope; closing it leaves the registry alone. */
    private record Client(String scope) implements SchemaRegistryClient {
        @Override
        public int register(String subject, Schema schema) {
            return forScope(scope).register(subject, schema);
        }

        @Override
        public int lookup(String subject, Schema schema) {
            return forScope(scope).lookup(subject, schema);
        }

        @Override
        public Schema getById(int id) {
            return forScope(scope).getById(id);
        }

        @Override
        public SchemaVersion latest(String subject) {
            return forScope(scope).latest(subject);
        }

        @Override
        public void close() {
        }

        @Override
        public String toString() {
            return "MockSchemaRegistryClient[mock://" + scope + "]";
        }
    }
}
