package io.cacstreams.serde;

import io.cacstreams.config.ConfigException;
import io.cacstreams.config.RegistrySettings;
import io.cacstreams.serde.FakeRegistryServer.Reply;
import io.cacstreams.testing.SelfSignedStores;
import org.apache.avro.Schema;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** https with a truststore and a client certificate (mutual TLS); stores made with the JDK's keytool. */
class TlsRegistryClientTest {
    private static final String STORE_PASSWORD = "st0re-Secret-77";
    private static final Schema SCHEMA = new Schema.Parser().parse("\"string\"");

    @TempDir
    static Path dir;
    private static Path keyStore;
    private static Path trustStore;
    private static SelfSignedStores serverStores;

    @BeforeAll
    static void makeStores() throws Exception {
        SelfSignedStores stores = SelfSignedStores.create(dir, "registry", STORE_PASSWORD);
        keyStore = stores.keyStore();
        trustStore = stores.trustStore();
        serverStores = stores;
    }

    /** The server side: its certificate, and trust in the same certificate for client auth. */
    private static SSLContext serverContext() throws Exception {
        KeyStore ks = serverStores.keys();
        KeyStore ts = serverStores.trust();
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, STORE_PASSWORD.toCharArray());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return context;
    }

    private static SchemaRegistryClient client(String url, Map<String, String> ssl) {
        return SchemaRegistryClient.create(new RegistrySettings(url, null, true, Duration.ofSeconds(5), 0,
                Duration.ofMillis(1), 10, ssl));
    }

    @Test
    void mutualTlsWithTruststoreAndKeystore() throws Exception {
        try (FakeRegistryServer server = FakeRegistryServer.https(serverContext(), true)) {
            server.script(r -> Reply.json(200, "{\"schema\":\"\\\"string\\\"\"}"));
            Map<String, String> ssl = Map.of(
                    "ssl.truststore.location", trustStore.toString(),
                    "ssl.truststore.password", STORE_PASSWORD,
                    "ssl.truststore.type", "PKCS12",
                    "ssl.keystore.location", keyStore.toString(),
                    "ssl.keystore.password", STORE_PASSWORD,
                    "ssl.keystore.type", "PKCS12");

            assertThat(client(server.url(""), ssl).getById(1)).isEqualTo(SCHEMA);

            // Without a client certificate the server refuses the handshake: no retries left, so unavailable.
            Map<String, String> trustOnly = Map.of("ssl.truststore.location", trustStore.toString(),
                    "ssl.truststore.password", STORE_PASSWORD);
            assertThatThrownBy(() -> client(server.url(""), trustOnly).getById(1))
                    .isInstanceOf(RegistryUnavailableException.class);
            // Without the truststore the server's certificate is not trusted.
            RegistryUnavailableException untrusted = catchThrowableOfType(RegistryUnavailableException.class,
                    () -> client(server.url(""), Map.of()).getById(1));
            assertThat(untrusted.getMessage()).contains("SSLHandshakeException");
        }
    }

    @Test
    void badStoreSettingsAreConfigErrorsThatNameTheSettingButNotThePassword() {
        ConfigException wrongPassword = catchThrowableOfType(ConfigException.class, () -> client("https://127.0.0.1:1",
                Map.of("ssl.truststore.location", trustStore.toString(), "ssl.truststore.password", "wrong-" + STORE_PASSWORD)));
        ConfigException missing = catchThrowableOfType(ConfigException.class, () -> client("https://127.0.0.1:1",
                Map.of("ssl.keystore.location", dir.resolve("nope.p12").toString(),
                        "ssl.keystore.password", STORE_PASSWORD)));
        ConfigException badType = catchThrowableOfType(ConfigException.class, () -> client("https://127.0.0.1:1",
                Map.of("ssl.truststore.location", trustStore.toString(), "ssl.truststore.type", "PEMX")));

        assertThat(wrongPassword.setting()).isEqualTo("cac.registry.ssl.truststore.location");
        assertThat(missing.setting()).isEqualTo("cac.registry.ssl.keystore.location");
        assertThat(badType.setting()).isEqualTo("cac.registry.ssl.truststore.type");
        for (ConfigException e : List.of(wrongPassword, missing, badType)) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                assertThat(t.toString()).doesNotContain(STORE_PASSWORD);
            }
        }
    }
}
