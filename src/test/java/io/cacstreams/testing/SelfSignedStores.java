package io.cacstreams.testing;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A PKCS12 keystore with a self-signed EC certificate for localhost and 127.0.0.1 (made with the JDK's keytool, as a
 * user would), and a truststore holding that certificate.
 */
public record SelfSignedStores(Path keyStore, Path trustStore, String password, String alias) {

    public static SelfSignedStores create(Path dir, String alias, String password) throws Exception {
        Path keyStore = dir.resolve(alias + ".p12");
        Path trustStore = dir.resolve(alias + "-trust.p12");
        keytool("-genkeypair", "-alias", alias, "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", keyStore.toString(), "-storepass", password);
        KeyStore keys = load(keyStore, password);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry(alias, keys.getCertificate(alias));
        try (OutputStream out = Files.newOutputStream(trustStore)) {
            trust.store(out, password.toCharArray());
        }
        return new SelfSignedStores(keyStore, trustStore, password, alias);
    }

    public KeyStore keys() throws Exception {
        return load(keyStore, password);
    }

    public KeyStore trust() throws Exception {
        return load(trustStore, password);
    }

    private static KeyStore load(Path path, String password) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(path)) {
            ks.load(in, password.toCharArray());
        }
        return ks;
    }

    private static void keytool(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS)) throw new IllegalStateException("keytool did not finish: " + out);
        if (p.exitValue() != 0) throw new IllegalStateException("keytool failed: " + out);
    }
}
