package io.cacstreams.serde;

/**
 * The registry has a schema under the id, but it is not one this client can use as an Avro writer schema (a
 * PROTOBUF or JSON schema, schema references, or text that does not parse). A record carrying such an id is
 * undecodable, not a registry outage.
 */
public final class UnsupportedSchemaException extends RegistryException {
    public UnsupportedSchemaException(String message, Throwable cause) {
        super(message, 200, cause);
    }
}
