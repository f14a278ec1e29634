package io.cacstreams.topology;

import org.apache.kafka.common.utils.Bytes;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Keys of the bucket store: the channel, a 0 byte, then the bucket start as 8 bytes ordered like the long (sign bit
 * flipped, big-endian), so one channel's buckets are one contiguous, time-ordered range.
 */
final class BucketKeys {
    private BucketKeys() {
    }

    static Bytes of(String channel, long bucketStart) {
        byte[] c = channel.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(ByteBuffer.allocate(c.length + 9).put(c).put((byte) 0)
                .putLong(bucketStart ^ Long.MIN_VALUE).array());
    }

    static long bucketStart(Bytes key) {
        byte[] k = key.get();
        return ByteBuffer.wrap(k, k.length - 8, 8).getLong() ^ Long.MIN_VALUE;
    }
}
