package io.cacstreams.serde;

import io.cacstreams.config.ConfigException;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.List;
import java.util.Map;

/**
 * Builds an {@link SSLContext} from Kafka-style {@code ssl.*} settings (the registry client's, the query server's):
 * truststore and keystore location, password and type (JKS by default, which also reads PKCS12; PKCS12 works too),
 * and {@code ssl.key.password} (defaults to the keystore password). Errors name the setting, never a password.
 */
public final class SslContexts {
    static final String TRUSTSTORE_LOCATION = "ssl.truststore.location";
    static final String TRUSTSTORE_PASSWORD = "ssl.truststore.password";
    static final String TRUSTSTORE_TYPE = "ssl.truststore.type";
    static final String KEYSTORE_LOCATION = "ssl.keystore.location";
    static final String KEYSTORE_PASSWORD = "ssl.keystore.password";
    static final String KEYSTORE_TYPE = "ssl.keystore.type";
    static final String KEY_PASSWORD = "ssl.key.password";
    private static final String REGISTRY_PREFIX = "cac.registry.";

    private SslContexts() {
    }

    /** The password settings, for the {@link Redactor}. */
    static List<String> secrets(Map<String, String> ssl) {
        return List.of(ssl.getOrDefault(TRUSTSTORE_PASSWORD, ""), ssl.getOrDefault(KEYSTORE_PASSWORD, ""),
                ssl.getOrDefault(KEY_PASSWORD, ""));
    }

    /** The registry client's context: {@link #build(String, Map)} with settings under {@code cac.registry.}. */
    static SSLContext build(Map<String, String> ssl) {
        return build(REGISTRY_PREFIX, ssl);
    }

    /**
     * The context for {@code ssl}, or null when it names neither a truststore nor a keystore (JDK defaults). Errors
     * name the setting as {@code settingPrefix + "ssl...."}.
     */
    public static SSLContext build(String settingPrefix, Map<String, String> ssl) {
        String trustLocation = ssl.get(TRUSTSTORE_LOCATION);
        String keyLocation = ssl.get(KEYSTORE_LOCATION);
        if (isBlank(trustLocation) && isBlank(keyLocation)) return null;
        TrustManager[] trustManagers = null;
        KeyManager[] keyManagers = null;
        if (!isBlank(trustLocation)) {
            KeyStore trustStore = load(settingPrefix, TRUSTSTORE_LOCATION, trustLocation, ssl.get(TRUSTSTORE_PASSWORD),
                    ssl.get(TRUSTSTORE_TYPE));
            try {
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trustStore);
                trustManagers = tmf.getTrustManagers();
            } catch (GeneralSecurityException e) {
                throw new ConfigException(settingPrefix + TRUSTSTORE_LOCATION,
                        "cannot use truststore " + trustLocation + ": " + Text.describe(e, 200));
            }
        }
        if (!isBlank(keyLocation)) {
            String storePassword = ssl.get(KEYSTORE_PASSWORD);
            KeyStore keyStore = load(settingPrefix, KEYSTORE_LOCATION, keyLocation, storePassword,
                    ssl.get(KEYSTORE_TYPE));
            String keyPassword = ssl.getOrDefault(KEY_PASSWORD, storePassword);
            try {
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keyStore, keyPassword == null ? new char[0] : keyPassword.toCharArray());
                keyManagers = kmf.getKeyManagers();
            } catch (GeneralSecurityException e) {
                throw new ConfigException(settingPrefix + KEY_PASSWORD,
                        "cannot read the private key in keystore " + keyLocation + ": " + Text.describe(e, 200));
            }
        }
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers, trustManagers, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new ConfigException(settingPrefix + "ssl", "cannot create a TLS context: " + Text.describe(e, 200));
        }
    }

    private static KeyStore load(String settingPrefix, String setting, String location, String password, String type) {
        String storeType = isBlank(type) ? "JKS" : type.strip();
        KeyStore store;
        try {
            store = KeyStore.getInstance(storeType);
        } catch (GeneralSecurityException e) {
            throw new ConfigException(settingPrefix + setting.replace("location", "type"),
                    "unsupported store type '" + storeType + "'");
        }
        Path path = Path.of(location);
        try (InputStream in = Files.newInputStream(path)) {
            store.load(in, password == null ? null : password.toCharArray());
            return store;
        } catch (IOException | GeneralSecurityException e) {
            // The JDK's messages (e.g. "keystore password was incorrect") never contain the password itself.
            throw new ConfigException(settingPrefix + setting,
                    "cannot load " + storeType + " store " + location + ": " + Text.describe(e, 200));
        }
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}
