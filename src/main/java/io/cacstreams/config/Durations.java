package io.cacstreams.config;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses durations written as {@code 90d}, {@code 1h}, {@code 30m}, {@code 15s}, {@code 500ms} or ISO-8601 ({@code PT1H}). */
public final class Durations {
    private static final Pattern SHORT = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    private Durations() {
    }

    public static Duration parse(String setting, String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        Matcher m = SHORT.matcher(t);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        }
        try {
            return Duration.parse(text.trim().toUpperCase(Locale.ROOT));
        } catch (RuntimeException e) {
            throw new ConfigException(setting, "'" + text + "' is not a duration (write e.g. 7d, 1h, 30s, 500ms)");
        }
    }

    /** The short form used in names and documentation: 7d, 1h, 30s. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 86_400_000L == 0) return ms / 86_400_000L + "d";
        if (ms % 3_600_000L == 0) return ms / 3_600_000L + "h";
        if (ms % 60_000L == 0) return ms / 60_000L + "m";
        if (ms % 1000L == 0) return ms / 1000L + "s";
        return ms + "ms";
    }
}
