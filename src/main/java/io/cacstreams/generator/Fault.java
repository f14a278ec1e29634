package io.cacstreams.generator;

import io.cacstreams.events.DeadLetterReason;

/** What is deliberately wrong with a generated record, and the dead-letter reason cac-streams must give it. */
public enum Fault {
    NONE(null),
    /** A re-send of an event already produced (same eventId): counted once, not dead-lettered. */
    DUPLICATE(null),
    RANDOM_BYTES(DeadLetterReason.MALFORMED),
    WRONG_MAGIC_BYTE(DeadLetterReason.MALFORMED),
    UNKNOWN_SCHEMA_ID(DeadLetterReason.UNKNOWN_SCHEMA_ID),
    TRUNCATED_AVRO(DeadLetterReason.UNDECODABLE),
    NEGATIVE_AMOUNT(DeadLetterReason.NEGATIVE_AMOUNT),
    UNKNOWN_CURRENCY(DeadLetterReason.UNKNOWN_CURRENCY),
    QUALITY_OUT_OF_RANGE(DeadLetterReason.QUALITY_OUT_OF_RANGE),
    UNKNOWN_CUSTOMER(DeadLetterReason.UNKNOWN_CUSTOMER);

    private final DeadLetterReason expected;

    Fault(DeadLetterReason expected) {
        this.expected = expected;
    }

    /** The dead-letter reason this fault must produce, or null if the record must not be dead-lettered. */
    public DeadLetterReason expectedReason() {
        return expected;
    }

    /** Faults applied to the encoded bytes rather than to the event's content. */
    public boolean corruptsBytes() {
        return this == RANDOM_BYTES || this == WRONG_MAGIC_BYTE || this == UNKNOWN_SCHEMA_ID || this == TRUNCATED_AVRO;
    }
}
