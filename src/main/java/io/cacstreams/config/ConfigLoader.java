package io.cacstreams.config;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Gathers the flat settings that {@link AppConfig#from} parses, from three layers, each overriding the one before:
 * <ol>
 *   <li>a properties file ({@code --config FILE}, optional, read as UTF-8);</li>
 *   <li>environment variables: {@code KAFKA_FOO_BAR} becomes the Kafka setting {@code foo.bar} and
 *       {@code CAC_FOO_BAR} the application setting {@code cac.foo.bar} (lower-cased; {@code _} becomes {@code .},
 *       {@code __} becomes {@code _} and {@code ___} becomes {@code -}, the convention of Confluent's images, so that
 *       {@code KAFKA_LISTENER_NAME_X_SCRAM___SHA___256_SASL_JAAS_CONFIG} can be written). A channel name in a key
 *       ({@code cac.alert.channel.<channel>.*}, {@code cac.margin.channel.<channel>}) keeps its case:
 *       {@code CAC_ALERT_CHANNEL_ALL_THRESHOLD} is {@code cac.alert.channel.ALL.threshold} and
 *       {@code CAC_ALERT_CHANNEL_paid__search_THRESHOLD} is {@code cac.alert.channel.paid_search.threshold}.
 *       <p>The environment is shared with other software, so a variable is a setting only when it can be one: a
 *       {@code CAC_} variable naming none of cac-streams' settings ({@link AppConfig#isSetting}), such as the
 *       Kubernetes service links of a Service named {@code cac-streams} ({@code CAC_STREAMS_PORT},
 *       {@code CAC_STREAMS_SERVICE_HOST}, ...), and a {@code KAFKA_} variable shaped like a service link of a Service
 *       named {@code kafka...} ({@code KAFKA_PORT}, {@code KAFKA_SERVICE_HOST}, {@code KAFKA_PORT_9092_TCP_ADDR}, ...)
 *       are ignored, with one warning listing them ({@link #load}). The Kafka launcher's own variables
 *       ({@code KAFKA_*_OPTS}, {@code KAFKA_HOME}, {@code KAFKA_DEBUG}) are skipped silently;</li>
 *   <li>command-line flags, already as {@code key -> value}.</li>
 * </ol>
 * An unknown {@code cac.} key in the file or a flag is not ignored: {@link AppConfig#from} refuses it.
 * {@link #merge} is the pure core; {@link #load} adds reading the file.
 */
public final class ConfigLoader {
    private static final Logger log = LoggerFactory.getLogger(ConfigLoader.class);
    private static final Set<String> LAUNCHER_VARIABLES = Set.of("KAFKA_HOME", "KAFKA_DEBUG", "KAFKA_VERSION");
    private static final String HIDDEN = "[hidden]";
    /** The variables Kubernetes injects for a Service: {@code <NAME>_SERVICE_HOST}, {@code <NAME>_PORT_9092_TCP}, ... */
    private static final Pattern SERVICE_LINK = Pattern.compile(
            "\\w+_(SERVICE_HOST|SERVICE_PORT(_\\w+)?|PORT|PORT_\\d+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?)");
    private static final Pattern URL_USER_INFO = Pattern.compile("([a-zA-Z][a-zA-Z0-9+.-]*://[^/:@\\s]+):[^@/\\s]*@");

    private ConfigLoader() {
    }

    /** The settings read from environment variables, and the variables ignored as not being settings (sorted). */
    public record Environment(Map<String, String> settings, List<String> ignored) {
        public Environment {
            settings = Map.copyOf(settings);
            ignored = List.copyOf(ignored);
        }
    }

    /** File settings, overridden by environment settings, overridden by flags. No argument is modified. */
    public static Map<String, String> merge(Map<String, String> fileSettings, Map<String, String> env,
                                            Map<String, String> flags) {
        Map<String, String> out = new TreeMap<>(fileSettings);
        out.putAll(fromEnvironment(env).settings());
        out.putAll(flags);
        return out;
    }

    /**
     * Reads {@code file} (when not null), then {@link #merge}s; logs one warning naming the environment variables
     * ignored (names only: their values may be secrets).
     */
    public static Map<String, String> load(Path file, Map<String, String> env, Map<String, String> flags) {
        List<String> ignored = fromEnvironment(env).ignored();
        if (!ignored.isEmpty()) {
            log.warn("ignoring environment variables that are not cac-streams settings (Kubernetes service links, or"
                    + " a misspelt name; see README, 'Configuration reference'): {}", String.join(", ", ignored));
        }
        return merge(file == null ? Map.of() : readFile(file), env, flags);
    }

    /** The settings found in environment variables (see the class comment), and the variables ignored. */
    public static Environment fromEnvironment(Map<String, String> env) {
        Map<String, String> settings = new TreeMap<>();
        Set<String> ignored = new TreeSet<>();
        env.forEach((name, value) -> {
            if (name.startsWith("KAFKA_") && name.length() > "KAFKA_".length() && !isLauncherVariable(name)) {
                String key = kafkaKey(name.substring("KAFKA_".length()));
                // no Kafka client or Streams setting ends in .port, .service.host, .port.9092.tcp, ...
                if (SERVICE_LINK.matcher(name).matches()) {
                    ignored.add(name);
                } else {
                    settings.put(key, value);
                }
            } else if (name.startsWith("CAC_") && name.length() > "CAC_".length()) {
                String key = cacKey(name.substring("CAC_".length()));
                if (AppConfig.isSetting(key)) {
                    settings.put(key, value);
                } else {
                    ignored.add(name);
                }
            }
        });
        return new Environment(settings, List.copyOf(ignored));
    }

    private static boolean isLauncherVariable(String name) {
        return LAUNCHER_VARIABLES.contains(name) || name.endsWith("_OPTS");
    }

    static String kafkaKey(String envSuffix) {
        return unescape(envSuffix).toLowerCase(Locale.ROOT);
    }

    /** Lower-cased, but for the channel name of a per-channel key, which keeps its case. */
    static String cacKey(String envSuffix) {
        return Settings.lowerCaseButChannel("cac." + unescape(envSuffix));
    }

    private static String unescape(String envSuffix) {
        return envSuffix
                .replace("___", "\u0001")
                .replace("__", "\u0002")
                .replace('_', '.')
                .replace('\u0001', '-')
                .replace('\u0002', '_');
    }

    /** A properties file as a map; a {@link ConfigException} naming {@code --config} if it cannot be read. */
    public static Map<String, String> readFile(Path file) {
        Properties props = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            props.load(in);
        } catch (IOException | IllegalArgumentException e) {
            String why = e instanceof NoSuchFileException ? "no such file"
                    : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new ConfigException("--config", "cannot read " + file + ": " + why);
        }
        Map<String, String> out = new TreeMap<>();
        for (String name : props.stringPropertyNames()) {
            out.put(name.trim(), props.getProperty(name).trim());
        }
        return out;
    }

    /**
     * A copy fit for printing: values of secret settings (passwords, secrets, tokens, JAAS configs, private keys)
     * become {@code [hidden]}; a {@code user:password} basic-auth value keeps the user; a URL keeps all but the
     * password of its user info.
     */
    public static Map<String, String> masked(Map<String, String> settings) {
        Map<String, String> out = new TreeMap<>();
        settings.forEach((k, v) -> out.put(k, maskValue(k, v)));
        return out;
    }

    static String maskValue(String key, String value) {
        if (value == null) return null;
        String k = key.toLowerCase(Locale.ROOT);
        if (k.endsWith("basic.auth.user.info")) {
            int colon = value.indexOf(':');
            return colon < 0 ? HIDDEN : value.substring(0, colon) + ":" + HIDDEN;
        }
        if (isSecretKey(k)) return HIDDEN;
        Matcher m = URL_USER_INFO.matcher(value);
        return m.find() ? m.replaceAll("$1:" + Matcher.quoteReplacement(HIDDEN) + "@") : value;
    }

    private static boolean isSecretKey(String k) {
        return k.contains("password") || k.contains("secret") || k.contains("token") || k.contains("credential")
                || k.contains("sasl.jaas.config") || k.contains("private") || k.endsWith(".key")
                || k.contains("api.key") || k.contains("apikey");
    }
}
