package io.cacstreams.generator;

import io.cacstreams.serde.AvroCodec;
import io.cacstreams.serde.SchemaRegistryClient;
import org.apache.avro.specific.SpecificRecord;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/** Encodes generated events in the Confluent wire format, applying byte-level faults where asked. */
public final class EventEncoder {
    private final SchemaRegistryClient registry;
    private final Map<Class<?>, AvroCodec<?>> codecs = new HashMap<>();
    private final SplittableRandom random;

    public EventEncoder(SchemaRegistryClient registry, long seed) {
        this.registry = registry;
        this.random = new SplittableRandom(seed);
    }

    public byte[] encode(GeneratedEvent e) {
        byte[] good = codec(e.value()).encode(e.topic(), e.value());
        return switch (e.fault()) {
            case RANDOM_BYTES -> {
                byte[] junk = new byte[8 + random.nextInt(40)];
                random.nextBytes(junk);
                junk[0] = (byte) (1 + random.nextInt(255)); // never the magic byte
                yield junk;
            }
            case WRONG_MAGIC_BYTE -> {
                byte[] b = good.clone();
                b[0] = 1;
                yield b;
            }
            case UNKNOWN_SCHEMA_ID -> {
                byte[] b = good.clone();
                ByteBuffer.wrap(b).putInt(1, 0x7ffffff0 - random.nextInt(1000));
                yield b;
            }
            case TRUNCATED_AVRO -> Arrays.copyOf(good, Math.max(6, good.length / 2));
            default -> good;
        };
    }

    @SuppressWarnings("unchecked")
    private <T extends SpecificRecord> AvroCodec<T> codec(T value) {
        return (AvroCodec<T>) codecs.computeIfAbsent(value.getClass(),
                c -> new AvroCodec<>(registry, (Class<T>) c, false, true));
    }
}
