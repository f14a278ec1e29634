package io.cacstreams.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What the shipped monitoring (monitoring/: Grafana dashboards, Prometheus rules) asks of the application: every
 * PromQL expression, and the metric names in them.
 */
public final class MonitoringFiles {
    public static final Path ROOT = Path.of(System.getProperty("basedir", ".")).resolve("monitoring");
    public static final Path RULES = ROOT.resolve("prometheus/rules");
    public static final Path DASHBOARDS = ROOT.resolve("grafana/dashboards");
    /** Series Prometheus makes itself rather than scraping them. */
    public static final Set<String> SYNTHETIC = Set.of("up", "ALERTS", "ALERTS_FOR_STATE", "scrape_duration_seconds",
            "scrape_samples_scraped");
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "inf", "nan", "by", "without",
            "on", "ignoring", "group_left", "group_right", "offset", "atan2");
    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*(\\s*\\()?");
    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\(\\s*([^,]+?)\\s*,\\s*\\w+\\s*\\)");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private MonitoringFiles() {
    }

    /** Every expression, by where it is ("file: panel title" or "file: rule name"). */
    public static Map<String, String> expressions() {
        Map<String, String> out = new LinkedHashMap<>();
        for (Path dashboard : files(DASHBOARDS, ".json")) {
            for (JsonNode panel : panels(read(JSON, dashboard))) {
                int i = 0;
                for (JsonNode target : panel.path("targets")) {
                    if (target.has("expr")) {
                        out.put(dashboard.getFileName() + ": " + panel.path("title").asText() + " #" + (++i),
                                target.get("expr").asText());
                    }
                }
            }
            for (JsonNode variable : read(JSON, dashboard).path("templating").path("list")) {
                // label_values(metric, label): the metric is what the variable needs
                Matcher m = LABEL_VALUES.matcher(variable.path("definition").asText());
                if (m.matches()) out.put(dashboard.getFileName() + ": $" + variable.path("name").asText(), m.group(1));
            }
        }
        for (Path rules : files(RULES, ".yml")) {
            for (JsonNode group : read(YAML, rules).path("groups")) {
                for (JsonNode rule : group.path("rules")) {
                    String name = rule.has("record") ? rule.get("record").asText() : rule.path("alert").asText();
                    String where = rules.getFileName() + ": " + name;
                    while (out.containsKey(where)) where += "'";
                    out.put(where, rule.path("expr").asText());
                }
            }
        }
        return out;
    }

    /** The names recording rules define (used by other rules and panels, never scraped). */
    public static Set<String> recorded() {
        Set<String> out = new TreeSet<>();
        for (Path rules : files(RULES, ".yml")) {
            for (JsonNode group : read(YAML, rules).path("groups")) {
                for (JsonNode rule : group.path("rules")) {
                    if (rule.has("record")) out.add(rule.get("record").asText());
                }
            }
        }
        return out;
    }

    /** The metrics the expressions read from the application's /metrics. */
    public static Set<String> scrapedMetricsUsed() {
        Set<String> out = new TreeSet<>();
        expressions().values().forEach(e -> out.addAll(metricNames(e)));
        out.removeAll(recorded());
        out.removeAll(SYNTHETIC);
        return out;
    }

    /**
     * The metric names in a PromQL expression: identifiers that are not functions or aggregations (followed by a
     * parenthesis), keywords, label names (in braces, or in by/without/on/ignoring/group_x lists), durations or
     * Grafana variables.
     */
    public static Set<String> metricNames(String expr) {
        String s = expr.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"").replaceAll("'(?:[^'\\\\]|\\\\.)*'", "''")
                .replaceAll("\\{[^}]*}", " ").replaceAll("\\[[^]]*]", " ")
                .replaceAll("(?i)\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ")
                .replaceAll("(?i)\\boffset\\s+-?\\w+", " ").replaceAll("\\$\\{?\\w+}?", " ");
        Set<String> out = new TreeSet<>();
        Matcher m = IDENTIFIER.matcher(s);
        while (m.find()) {
            boolean call = m.group(1) != null;
            char before = m.start() == 0 ? ' ' : s.charAt(m.start() - 1);
            String name = m.group().replaceAll("\\s*\\($", "");
            boolean partOfNumber = Character.isDigit(before) || before == '.';
            if (!call && !partOfNumber && !KEYWORDS.contains(name.toLowerCase(Locale.ROOT))) out.add(name);
        }
        return out;
    }

    /** The metric names of the samples in a Prometheus text scrape. */
    public static Set<String> scrapedNames(String scrape) {
        Set<String> out = new TreeSet<>();
        for (String line : scrape.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) continue;
            Matcher m = IDENTIFIER.matcher(line);
            if (m.lookingAt()) out.add(m.group().replaceAll("\\s*\\($", ""));
        }
        return out;
    }

    /** Every panel, those inside collapsed rows included. */
    public static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode p : dashboard.path("panels")) {
            out.add(p);
            p.path("panels").forEach(out::add);
        }
        return out;
    }

    public static JsonNode read(ObjectMapper mapper, Path file) {
        try {
            return mapper.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    public static JsonNode yaml(Path file) {
        return read(YAML, file);
    }

    public static List<Path> files(Path dir, String suffix) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(f -> f.getFileName().toString().endsWith(suffix)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }
}
