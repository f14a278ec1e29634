package io.cacstreams.topology;

import io.cacstreams.config.AppConfig;
import io.cacstreams.events.DeadLetterReason;
import io.cacstreams.internal.Origin;

import java.util.List;

/** What an input event must satisfy, and what it becomes once accepted. One implementation per input topic. */
interface InputRules<T> {

    String eventId(T event);

    long occurredAt(T event);

    /** A field-level problem (negative amount, quality out of range, missing id, ...), or null when valid. */
    Rejection validate(T event);

    /** The name of this rules' topic in {@code config}. */
    String topicOf(AppConfig config);

    /** The PROGRESS marker of an input partition of this topic, for the next stage. */
    Routed progress(String topic, int partition, Long clock, boolean idle);

    /** The records the event becomes, or a rejection (an unknown currency). */
    Accepted accept(T event, Origin origin, FxRates fx);

    record Rejection(DeadLetterReason reason, String detail) {
    }

    /** Either {@code outputs} (key, value) or a {@code rejection}. */
    record Accepted(List<Keyed> outputs, Rejection rejection) {
        static Accepted of(List<Keyed> outputs) {
            return new Accepted(outputs, null);
        }

        static Accepted rejected(DeadLetterReason reason, String detail) {
            return new Accepted(List.of(), new Rejection(reason, detail));
        }
    }

    record Keyed(String key, Routed value) {
    }

    static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    java.util.regex.Pattern ISO_4217 = java.util.regex.Pattern.compile("[A-Z]{3}");

    static boolean currencyCode(String s) {
        return s != null && ISO_4217.matcher(s).matches();
    }
}
