package io.cacstreams.topology;

import io.cacstreams.events.DeadLetter;
import io.cacstreams.events.DeadLetterReason;
import io.cacstreams.internal.Origin;

import java.nio.ByteBuffer;

/** Builds dead-letter envelopes: the reason, a one-line detail, and where the original record came from. */
final class DeadLetters {
    private DeadLetters() {
    }

    static Routed.Dead of(DeadLetterReason reason, String detail, Origin origin, String eventId) {
        DeadLetter letter = DeadLetter.newBuilder()
                .setReason(reason)
                .setDetail(detail)
                .setSourceTopic(origin.getTopic())
                .setSourcePartition(origin.getPartition())
                .setSourceOffset(origin.getOffset())
                .setSourceTimestamp(java.time.Instant.ofEpochMilli(origin.getTimestamp()))
                .setEventId(eventId)
                .setSchemaId(origin.getSchemaId())
                .setKey(copy(origin.getKey()))
                .setValue(copy(origin.getValue()))
                .build();
        return new Routed.Dead(bytes(origin.getKey()), letter);
    }

    static byte[] bytes(ByteBuffer b) {
        if (b == null) return null;
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }

    private static ByteBuffer copy(ByteBuffer b) {
        return b == null ? null : ByteBuffer.wrap(bytes(b));
    }
}
