package io.cacstreams.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Gathers the flat settings that {@link AppConfig#from} parses, from three layers, each overriding the one before:
 * <ol>
 *   <li>a properties file ({@code --config FILE}, optional, read as UTF-8);</li>
 *   <li>environment variables: {@code KAFKA_FOO_BAR} becomes the Kafka setting {@code foo.bar} and
 *       {@code CAC_FOO_BAR} the application setting {@code cac.foo.bar} (lower-cased; {@code _} becomes {@code .},
 *       {@code __} becomes {@code _} and {@code ___} becomes {@code -}, the convention of Confluent's images, so that
 *       {@code KAFKA_LISTENER_NAME_X_SCRAM___SHA___256_SASL_JAAS_CONFIG} can be written). The Kafka launcher's own
 *       variables ({@code KAFKA_*_OPTS}, {@code KAFKA_HOME}, {@code KAFKA_DEBUG}) are not settings and are skipped;</li>
 *   <li>command-line flags, already as {@code key -> value}.</li>
 * </ol>
 * {@link #merge} is the pure core; {@link #load} adds reading the file.
 */
public final class ConfigLoader {
    private static final Set<String> LAUNCHER_VARIABLES = Set.of("KAFKA_HOME", "KAFKA_DEBUG", "KAFKA_VERSION");
    private static final String HIDDEN = "[hidden]";
    private static final Pattern URL_USER_INFO = Pattern.compile("([a-zA-Z][a-zA-Z0-9+.-]*://[^/:@\\s]+):[^@/\\s]*@");

    private ConfigLoader() {
    }

    /** File settings, overridden by environment settings, overridden by flags. No argument is modified. */
    public static Map<String, String> merge(Map<String, String> fileSettings, Map<String, String> env,
                                            Map<String, String> flags) {
        Map<String, String> out = new TreeMap<>(fileSettings);
        out.putAll(fromEnvironment(env));
        out.putAll(flags);
        return out;
    }

    /** Reads {@code file} (when not null), then {@link #merge}s. */
    public static Map<String, String> load(Path file, Map<String, String> env, Map<String, String> flags) {
        return merge(file == null ? Map.of() : readFile(file), env, flags);
    }

    /** The settings found in environment variables (see the class comment); other variables are ignored. */
    public static Map<String, String> fromEnvironment(Map<String, String> env) {
        Map<String, String> out = new TreeMap<>();
        env.forEach((name, value) -> {
            if (name.startsWith("KAFKA_") && name.length() > "KAFKA_".length() && !isLauncherVariable(name)) {
                out.put(toKey(name.substring("KAFKA_".length())), value);
            } else if (name.startsWith("CAC_") && name.length() > "CAC_".length()) {
                out.put("cac." + toKey(name.substring("CAC_".length())), value);
            }
        });
        return out;
    }

    private static boolean isLauncherVariable(String name) {
        return LAUNCHER_VARIABLES.contains(name) || name.endsWith("_OPTS");
    }

    static String toKey(String envSuffix) {
        return envSuffix.toLowerCase(Locale.ROOT)
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
            String why = e instanceof java.nio.file.NoSuchFileException ? "no such file"
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
