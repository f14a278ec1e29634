package io.cacstreams.serde;

import io.cacstreams.events.DeadLetterReason;

/** A record that is not a readable Confluent-wire-format Avro record: the reason goes to the dead-letter topic. */
public final class DecodeException extends Exception {
    private final DeadLetterReason reason;
    private final Integer schemaId;

    public DecodeException(DeadLetterReason reason, Integer schemaId, String detail, Throwable cause) {
        super(detail, cause);
        this.reason = reason;
        this.schemaId = schemaId;
    }

    /** MALFORMED (not the wire format), UNKNOWN_SCHEMA_ID or UNDECODABLE (bad or incompatible Avro). */
    public DeadLetterReason reason() {
        return reason;
    }

    /** The schema id in the header, when the header could be read. */
    public Integer schemaId() {
        return schemaId;
    }
}
