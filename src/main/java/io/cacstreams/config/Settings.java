package io.cacstreams.config;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** Typed, validated reads of flat settings; remembers what was read so that a misspelt {@code cac.} key is refused. */
final class Settings {
    /** Per-channel alert keys: {@code cac.alert.channel.<channel>.<one of THRESHOLD_SETTINGS>}. */
    static final String ALERT_CHANNEL = "cac.alert.channel.";
    /** The settings of {@link #thresholds}, after their prefix. */
    static final List<String> THRESHOLD_SETTINGS = List.of("threshold", "critical", "hysteresis", "for",
            "min.new.customers", "confidence");
    /** Per-channel margins: {@code cac.margin.channel.<channel>}. */
    static final String MARGIN_CHANNEL = "cac.margin.channel.";
    /** The families of keys that end in a name (a currency, an {@code ssl.*} setting of the registry client). */
    static final List<String> NAMED_FAMILIES = List.of("cac.fx.static.", "cac.registry.ssl.", MARGIN_CHANNEL);

    private final Map<String, String> raw;
    private final Set<String> read = new HashSet<>();

    Settings(Map<String, String> raw) {
        this.raw = raw;
    }

    String text(String key, String dflt) {
        read.add(key);
        String v = raw.get(key);
        return v == null ? dflt : v.trim();
    }

    String optional(String key) {
        read.add(key);
        String v = raw.get(key);
        return v == null || v.isBlank() ? null : v.trim();
    }

    double number(String key, double dflt) {
        String v = text(key, null);
        if (v == null) return dflt;
        try {
            double d = Double.parseDouble(v);
            if (!Double.isFinite(d)) throw new NumberFormatException();
            return d;
        } catch (NumberFormatException e) {
            throw new ConfigException(key, "'" + v + "' is not a number");
        }
    }

    double positive(String key, double dflt) {
        double d = number(key, dflt);
        if (d <= 0) throw new ConfigException(key, "must be > 0, was " + raw.get(key));
        return d;
    }

    double fraction(String key, double dflt) {
        double d = number(key, dflt);
        if (d < 0 || d > 1) throw new ConfigException(key, "must be between 0 and 1, was " + raw.get(key));
        return d;
    }

    boolean bool(String key, boolean dflt) {
        String v = text(key, null);
        if (v == null) return dflt;
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw new ConfigException(key, "'" + v + "' is not true or false");
        };
    }

    Duration duration(String key, String dflt) {
        Duration d = Durations.parse(key, text(key, dflt));
        if (d.isNegative()) throw new ConfigException(key, "must not be negative");
        return d;
    }

    Duration positiveDuration(String key, String dflt) {
        Duration d = duration(key, dflt);
        if (d.isZero()) throw new ConfigException(key, "must be > 0");
        return d;
    }

    String currency(String key, String dflt) {
        String v = text(key, dflt).toUpperCase(Locale.ROOT);
        if (!v.matches("[A-Z]{3}")) throw new ConfigException(key, "'" + v + "' is not an ISO 4217 code");
        return v;
    }

    AlertThresholds thresholds(String prefix, AlertThresholds base) {
        double threshold = positive(prefix + "threshold", base.threshold());
        double critical = positive(prefix + "critical", base.critical());
        if (critical > threshold) {
            throw new ConfigException(prefix + "critical", "must not be above " + prefix + "threshold (" + threshold + ")");
        }
        double hysteresis = number(prefix + "hysteresis", base.hysteresis());
        if (hysteresis < 0) throw new ConfigException(prefix + "hysteresis", "must be >= 0");
        Duration forSpan = raw.containsKey(prefix + "for") ? duration(prefix + "for", "0s") : base.forSpan();
        read.add(prefix + "for");
        double min = number(prefix + "min.new.customers", base.minNewCustomers());
        if (min < 0 || min != Math.rint(min)) {
            throw new ConfigException(prefix + "min.new.customers", "must be a whole number >= 0");
        }
        double confidence = number(prefix + "confidence", base.confidence());
        if (!(confidence >= 0.5 && confidence < 1)) {
            // a one-sided bound below 50 % would lie on the wrong side of the estimate
            throw new ConfigException(prefix + "confidence", "must be at least 0.5 and below 1 (the one-sided"
                    + " confidence of each bound), was " + confidence);
        }
        return new AlertThresholds(threshold, critical, hysteresis, forSpan, (long) min, confidence);
    }

    /** The part after {@code prefix} of every key with that prefix, mapped to its value; marks them read. */
    Map<String, String> withPrefix(String prefix) {
        Map<String, String> out = new TreeMap<>();
        raw.forEach((k, v) -> {
            if (k.startsWith(prefix) && k.length() > prefix.length()) {
                out.put(k.substring(prefix.length()), v);
                read.add(k);
            }
        });
        return out;
    }

    /** Channel names in keys {@code cac.alert.channel.<channel>.<setting>}. */
    Set<String> alertChannels() {
        Set<String> out = new TreeSet<>();
        for (String k : raw.keySet()) {
            if (k.startsWith(ALERT_CHANNEL)) {
                String channel = alertChannel(k);
                if (channel == null) {
                    throw new ConfigException(k, "expected " + ALERT_CHANNEL + "<channel>.("
                            + String.join("|", THRESHOLD_SETTINGS) + ")");
                }
                out.add(channel);
            }
        }
        return out;
    }

    /** The channel of a per-channel alert key; null if {@code key} is none. */
    private static String alertChannel(String key) {
        if (!key.startsWith(ALERT_CHANNEL)) return null;
        for (String setting : THRESHOLD_SETTINGS) {
            int end = key.length() - setting.length() - 1;
            if (end > ALERT_CHANNEL.length() && key.endsWith("." + setting)) {
                return key.substring(ALERT_CHANNEL.length(), end);
            }
        }
        return null;
    }

    /** True if {@code key} belongs to a family of keys that carry a name (a channel, a currency, ...). */
    static boolean isNamedKey(String key) {
        return alertChannel(key) != null
                || NAMED_FAMILIES.stream().anyMatch(f -> key.startsWith(f) && key.length() > f.length());
    }

    /** {@code key} lower-cased, but for the channel name of a per-channel key (alert or margin), which keeps its case. */
    static String lowerCaseButChannel(String key) {
        String lower = key.toLowerCase(Locale.ROOT);
        if (lower.startsWith(MARGIN_CHANNEL)) return MARGIN_CHANNEL + key.substring(MARGIN_CHANNEL.length());
        if (lower.startsWith(ALERT_CHANNEL)) {
            for (String setting : THRESHOLD_SETTINGS) {
                int end = key.length() - setting.length() - 1;
                if (end > ALERT_CHANNEL.length() && lower.endsWith("." + setting)) {
                    return ALERT_CHANNEL + key.substring(ALERT_CHANNEL.length(), end) + "." + setting;
                }
            }
        }
        return lower;
    }

    /** The keys read so far. */
    Set<String> keysRead() {
        return Set.copyOf(read);
    }

    void rejectUnknown() {
        for (String k : raw.keySet()) {
            if (k.startsWith("cac.") && !read.contains(k)) {
                throw new ConfigException(k, "unknown setting (see the configuration reference in README.md)");
            }
        }
    }
}
