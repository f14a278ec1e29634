package io.cacstreams.model;

import io.cacstreams.events.DeadLetterReason;
import org.apache.avro.specific.SpecificRecord;

import java.util.Arrays;
import java.util.Objects;

/**
 * What one input record carries, before it is turned into bytes by the harness. A {@link Valid} payload is a record
 * written in the wire format with the topic's registered schema (its fields may still be invalid); a {@link Bad}
 * payload is bytes that are not a readable record, built so that the decode failure is known in advance.
 */
public sealed interface Payload {

    /**
     * A record encoded with the registered schema of its topic, or with {@code v2}: with a newer compatible schema
     * version of the same subject (an added optional field, set), as a newer producer would write it; same values,
     * other bytes and schema id.
     */
    record Valid(SpecificRecord record, boolean v2) implements Payload {
        public Valid {
            Objects.requireNonNull(record);
        }

        public Valid(SpecificRecord record) {
            this(record, false);
        }

        @Override
        public String toString() {
            return record + (v2 ? " (as v2)" : "");
        }
    }

    /**
     * Bytes that cannot be read: {@code basis} is encoded and then spoiled ({@link BadKind#TRUNCATED},
     * {@link BadKind#UNKNOWN_SCHEMA_ID}) or {@code bytes} are sent as they are.
     */
    record Bad(BadKind kind, SpecificRecord basis, byte[] bytes, int keep) implements Payload {
        public DeadLetterReason expectedReason() {
            return kind.reason;
        }

        @Override
        public String toString() {
            return "Bad[" + kind + (basis != null ? " of " + basis : "") + (bytes != null ? " " + Arrays.toString(bytes) : "") + "]";
        }
    }

    enum BadKind {
        /** Random bytes whose first byte is not the magic byte 0. */
        WRONG_MAGIC(DeadLetterReason.MALFORMED),
        /** Fewer bytes than the 5-byte header. */
        SHORT(DeadLetterReason.MALFORMED),
        /** A valid record behind a schema id the registry does not know. */
        UNKNOWN_SCHEMA_ID(DeadLetterReason.UNKNOWN_SCHEMA_ID),
        /** A valid record with its Avro body cut short (any strict prefix fails: the parse needs every byte). */
        TRUNCATED(DeadLetterReason.UNDECODABLE);

        final DeadLetterReason reason;

        BadKind(DeadLetterReason reason) {
            this.reason = reason;
        }
    }
}
