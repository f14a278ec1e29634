package io.cacstreams.generator;

import org.apache.avro.specific.SpecificRecord;

/**
 * One record the generator wants produced: the event (for byte-level faults, the event whose encoding gets
 * corrupted), its topic and key, and what is deliberately wrong with it.
 */
public record GeneratedEvent(String topic, String key, SpecificRecord value, long occurredAt, Fault fault) {
}
