package io.cacstreams.serde;

import io.cacstreams.config.RegistrySettings;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MockSchemaRegistryTest {
    private static final Schema V1 = new Schema.Parser().parse(
            "{\"type\": \"record\", \"name\": \"A\", \"fields\": [{\"name\": \"x\", \"type\": \"int\"}]}");
    private static final Schema V2 = new Schema.Parser().parse(
            "{\"type\": \"record\", \"name\": \"A\", \"fields\": [{\"name\": \"x\", \"type\": \"int\"},"
                    + " {\"name\": \"y\", \"type\": [\"null\", \"string\"], \"default\": null}]}");

    private final String scope = "mock-test-" + UUID.randomUUID();
    private final String otherScope = scope + "-other";

    @AfterEach
    void drop() {
        MockSchemaRegistry.drop(scope);
        MockSchemaRegistry.drop(otherScope);
    }

    private SchemaRegistryClient client(String s) {
        return SchemaRegistryClient.create(RegistrySettings.mock(s));
    }

    @Test
    void clientsOfOneScopeShareTheRegistryAndScopesAreIsolated() {
        SchemaRegistryClient a = client(scope);
        SchemaRegistryClient b = client(scope);
        SchemaRegistryClient other = client(otherScope);

        int id = a.register("t-value", V1);

        assertThat(b.getById(id)).isEqualTo(V1);
        assertThat(b.lookup("t-value", V1)).isEqualTo(id);
        assertThatThrownBy(() -> other.getById(id)).isInstanceOf(SchemaNotFoundException.class);
        assertThat(other.register("t-value", V2)).isEqualTo(1);
    }

    @Test
    void idsAreGlobalVersionsPerSubjectAndRegisterIsIdempotent() {
        SchemaRegistryClient r = client(scope);

        int v1 = r.register("t-value", V1);
        int again = r.register("t-value", V1);
        int v2 = r.register("t-value", V2);
        int sameSchemaOtherSubject = r.register("u-value", V1);

        assertThat(v1).isEqualTo(1);
        assertThat(again).isEqualTo(v1);
        assertThat(v2).isEqualTo(2);
        assertThat(sameSchemaOtherSubject).isEqualTo(v1);
        assertThat(r.latest("t-value")).isEqualTo(new SchemaVersion("t-value", 2, v2, V2));
        assertThat(r.latest("u-value")).isEqualTo(new SchemaVersion("u-value", 1, v1, V1));
        assertThat(r.getById(v2)).isEqualTo(V2);
    }

    @Test
    void missingThingsAreSchemaNotFound() {
        SchemaRegistryClient r = client(scope);
        r.register("t-value", V1);

        assertThatThrownBy(() -> r.lookup("nope-value", V1)).isInstanceOf(SchemaNotFoundException.class)
                .hasMessageContaining("nope-value");
        assertThatThrownBy(() -> r.lookup("t-value", V2)).isInstanceOf(SchemaNotFoundException.class);
        assertThatThrownBy(() -> r.getById(77)).isInstanceOf(SchemaNotFoundException.class).hasMessageContaining("77");
        assertThatThrownBy(() -> r.latest("nope-value")).isInstanceOf(SchemaNotFoundException.class);
    }

    @Test
    void dropStartsTheScopeAfreshForExistingClientsToo() {
        SchemaRegistryClient r = client(scope);
        r.register("t-value", V2);

        MockSchemaRegistry.drop(scope);

        assertThatThrownBy(() -> r.getById(1)).isInstanceOf(SchemaNotFoundException.class);
        assertThat(r.register("t-value", V1)).isEqualTo(1);
        assertThat(r.getById(1)).isEqualTo(V1);
    }

    @Test
    void anUnavailableRegistryFailsEveryCallAsUnavailable() {
        SchemaRegistryClient r = client(scope);
        int id = r.register("t-value", V1);

        MockSchemaRegistry.forScope(scope).setUnavailable(true);
        assertThatThrownBy(() -> r.getById(id)).isInstanceOf(RegistryUnavailableException.class);
        assertThatThrownBy(() -> r.register("t-value", V1)).isInstanceOf(RegistryUnavailableException.class);

        MockSchemaRegistry.forScope(scope).setUnavailable(false);
        assertThat(r.getById(id)).isEqualTo(V1);
    }

    @Test
    void closingAClientLeavesTheRegistryAlone() {
        SchemaRegistryClient r = client(scope);
        int id = r.register("t-value", V1);
        r.close();

        assertThat(client(scope).getById(id)).isEqualTo(V1);
        assertThat(r.toString()).contains("mock://" + scope);
    }
}
