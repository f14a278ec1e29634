package io.cacstreams.serde;

/** A schema registry call failed. {@code status} is the HTTP status, or -1 when the registry could not be reached. */
public class RegistryException extends RuntimeException {
    private final int status;

    public RegistryException(String message, int status, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
