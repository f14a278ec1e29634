package io.cacstreams.config;

/** Invalid configuration: the message is one line and names the offending setting. */
public final class ConfigException extends RuntimeException {
    private final String setting;

    public ConfigException(String setting, String problem) {
        super(setting + ": " + problem);
        this.setting = setting;
    }

    public String setting() {
        return setting;
    }
}
