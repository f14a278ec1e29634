package io.cacstreams.runtime;

/** Small helpers for one-line error messages. */
public final class Errors {
    private Errors() {
    }

    /** The message of the innermost cause (or its class name when it has none). */
    public static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
