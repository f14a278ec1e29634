package io.cacstreams.serde;

/** The registry answered that the schema id or subject does not exist (HTTP 404). */
public final class SchemaNotFoundException extends RegistryException {
    public SchemaNotFoundException(String message) {
        super(message, 404, null);
    }
}
