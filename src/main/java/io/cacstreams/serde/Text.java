package io.cacstreams.serde;

/** Message helpers: exception and dead-letter details are single, bounded lines. */
final class Text {
    private Text() {
    }

    static String oneLine(String text, int max) {
        if (text == null) return "";
        String line = text.replaceAll("\\s+", " ").strip();
        return line.length() <= max ? line : line.substring(0, Math.max(0, max - 3)) + "...";
    }

    /** {@code SimpleName: message} of a throwable, one line. */
    static String describe(Throwable t, int max) {
        String msg = t.getMessage();
        return oneLine(t.getClass().getSimpleName() + (msg == null || msg.isBlank() ? "" : ": " + msg), max);
    }
}
