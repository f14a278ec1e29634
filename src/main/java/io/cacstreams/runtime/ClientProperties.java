package io.cacstreams.runtime;

import io.cacstreams.config.AppConfig;

import java.util.Map;
import java.util.TreeMap;

/** Settings for plain clients (producer, consumer, admin) of the commands: bootstrap and security, no client id. */
public final class ClientProperties {
    private ClientProperties() {
    }

    public static Map<String, Object> of(AppConfig cfg) {
        Map<String, Object> p = new TreeMap<>(StreamsProperties.adminProperties(cfg));
        p.remove("client.id");
        return p;
    }
}
