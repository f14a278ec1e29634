package io.cacstreams.serde;

import io.cacstreams.config.ConfigException;
import io.cacstreams.config.RegistrySettings;
import io.cacstreams.serde.FakeRegistryServer.Reply;
import org.apache.avro.Schema;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

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

    @BeforeAll
    static void makeStores() throws Exception {
        keyStore = dir.resolve("registry.p12");
        trustStore = dir.resolve("trust.p12");
        keytool("-genkeypair", "-alias", "registry", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", keyStore.toString(), "-storepass", STORE_PASSWORD);
        KeyStore keys = load(keyStore);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("registry", keys.getCertificate("registry"));
        try (OutputStream out = Files.newOutputStream(trustStore)) {
            trust.store(out, STORE_PASSWORD.toCharArray());
        }
    }

    private static KeyStore load(Path path) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(path)) {
            ks.load(in, STORE_PASSWORD.toCharArray());
        }
        return ks;
    }

    private static void keytool(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
    }

    /** The server side: its certificate, and trust in the same certificate for client auth. */
    private static SSLContext serverContext() throws Exception {
        KeyStore ks = load(keyStore);
        KeyStore ts = load(trustStore);
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
