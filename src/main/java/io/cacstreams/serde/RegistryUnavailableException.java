package io.cacstreams.serde;

/**
 * The registry could not be reached, timed out or answered 5xx, and the bounded retries are used up. Callers must
 * not treat the record as bad: the topology lets the task fail so the record is retried, never lost.
 */
public final class RegistryUnavailableException extends RegistryException {
    public RegistryUnavailableException(String message, int status, Throwable cause) {
        super(message, status, cause);
    }
}
