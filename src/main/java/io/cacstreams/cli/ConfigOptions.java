package io.cacstreams.cli;

import io.cacstreams.config.AppConfig;
import io.cacstreams.config.ConfigLoader;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The configuration flags shared by the commands; see {@link ConfigLoader} for how the layers combine. */
public final class ConfigOptions {

    @Option(names = "--config", paramLabel = "FILE",
            description = "Properties file with the settings (overridden by KAFKA_*/CAC_* environment variables, "
                    + "which are overridden by flags).")
    Path configFile;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Any setting: cac.* for the application's own, anything else goes to Kafka. Repeatable.")
    Map<String, String> set = new LinkedHashMap<>();

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]", description = "Same as --set bootstrap.servers=...")
    String bootstrapServers;

    @Option(names = "--registry-url", paramLabel = "URL", description = "Same as --set cac.registry.url=...")
    String registryUrl;

    @Option(names = "--application-id", paramLabel = "ID", description = "Same as --set application.id=... (default cac-streams)")
    String applicationId;

    @Option(names = "--state-dir", paramLabel = "DIR", description = "Same as --set state.dir=...")
    String stateDir;

    /** The flag layer: {@code --set} pairs, then the convenience flags (which win over a {@code --set} of the same key). */
    public Map<String, String> flags() {
        Map<String, String> f = new LinkedHashMap<>(set);
        if (bootstrapServers != null) f.put("bootstrap.servers", bootstrapServers);
        if (registryUrl != null) f.put("cac.registry.url", registryUrl);
        if (applicationId != null) f.put("application.id", applicationId);
        if (stateDir != null) f.put("state.dir", stateDir);
        return f;
    }

    /** File, environment and flags merged. */
    public Map<String, String> settings(Map<String, String> env) {
        return ConfigLoader.load(configFile, env, flags());
    }

    /** Parsed and validated; {@link io.cacstreams.config.ConfigException} otherwise. */
    public AppConfig load(Map<String, String> env) {
        return AppConfig.from(settings(env));
    }
}
