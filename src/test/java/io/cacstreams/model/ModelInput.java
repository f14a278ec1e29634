package io.cacstreams.model;

/** One step of a scenario, in arrival order: a record on an input topic, or a flush (wall-clock emission). */
public sealed interface ModelInput {

    /** A record on {@code topic}; the partition and offset are assigned when the scenario is played. */
    record Event(InputTopic topic, Payload payload, long recordTimestamp) implements ModelInput {
        @Override
        public String toString() {
            return topic + " " + payload;
        }
    }

    /** The test advances the driver's wall-clock by at least {@code cac.emit.interval}. */
    record Flush() implements ModelInput {
        @Override
        public String toString() {
            return "FLUSH";
        }
    }
}
