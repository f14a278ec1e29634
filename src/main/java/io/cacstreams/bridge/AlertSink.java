package io.cacstreams.bridge;

import java.util.List;

/** Where the bridge posts alerts: Alertmanager's v2 API in production. */
public interface AlertSink {

    /**
     * Posts the alerts; returns normally only once they were accepted.
     *
     * @throws Unavailable when they were not accepted and may be on a later try (no answer, 5xx, 429)
     * @throws Rejected    when the receiver refuses them as invalid (4xx): retrying the same alerts cannot help
     */
    void post(List<PostableAlert> alerts) throws Unavailable, Rejected;

    /** Not accepted this time. */
    final class Unavailable extends Exception {
        public Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Refused as invalid. */
    final class Rejected extends Exception {
        public Rejected(String message) {
            super(message);
        }
    }
}
