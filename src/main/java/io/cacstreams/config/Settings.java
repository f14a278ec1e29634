package io.cacstreams.config;

import java.time.Duration;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** Typed, validated reads of flat settings; remembers what was read so that a misspelt {@code cac.} key is refused. */
final class Settings {
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
        if (!(confidence > 0 && confidence < 1)) {
            throw new ConfigException(prefix + "confidence", "must be between 0 and 1 (exclusive), was " + confidence);
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

    /** Channel names in keys {@code <prefix><channel>.<setting>} (the channel is all up to the last dot). */
    Set<String> channelsUnder(String prefix) {
        Set<String> out = new TreeSet<>();
        for (String k : raw.keySet()) {
            if (k.startsWith(prefix)) {
                String rest = k.substring(prefix.length());
                int dot = rest.lastIndexOf('.');
                String setting = dot < 0 ? "" : rest.substring(dot + 1);
                if (dot <= 0 || !Set.of("threshold", "critical", "hysteresis", "for", "confidence").contains(setting)) {
                    if (rest.endsWith(".min.new.customers")) {
                        out.add(rest.substring(0, rest.length() - ".min.new.customers".length()));
                        continue;
                    }
                    throw new ConfigException(k, "expected " + prefix
                            + "<channel>.(threshold|critical|hysteresis|for|min.new.customers|confidence)");
                }
                out.add(rest.substring(0, dot));
            }
        }
        return out;
    }

    void rejectUnknown() {
        for (String k : raw.keySet()) {
            if (k.startsWith("cac.") && !read.contains(k)) {
                throw new ConfigException(k, "unknown setting (see the configuration reference in README.md)");
            }
        }
    }
}
