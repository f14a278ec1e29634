package io.cacstreams.verify;

import io.cacstreams.config.ConfigLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ChildAppTest {
    private static final String JAAS_SECRET = "jaas-s3cret-value";
    private static final String REGISTRY_SECRET = "registry-s3cret-value";

    @Test
    void secretsGoToAnOwnerOnlyConfigFileNotOnTheCommandLineAndTheFileIsDeletedOnClose(@TempDir Path dir)
            throws Exception {
        Map<String, String> settings = Map.of(
                "bootstrap.servers", "localhost:9092",
                "sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required"
                        + " username=\"cac\" password=\"" + JAAS_SECRET + "\";",
                "cac.registry.basic.auth.user.info", "cac:" + REGISTRY_SECRET,
                "state.dir", dir.resolve("state").toString());
        // no such jar: the child JVM exits at once, which is all this test needs of it
        ChildApp app = new ChildApp(dir.resolve("no-such.jar"), settings, dir.resolve("app.log"), List.of("-Xmx64m"));

        assertThat(String.join(" ", app.command())).doesNotContain(JAAS_SECRET).doesNotContain(REGISTRY_SECRET)
                .doesNotContain("--set").contains("run --config " + app.configFile());
        assertThat(app.configFile().getParent()).isEqualTo(dir);

        app.start();
        try {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(app.configFile())))
                    .isEqualTo("rw-------");
            assertThat(ConfigLoader.readFile(app.configFile())).isEqualTo(settings);
            app.waitFor(Duration.ofSeconds(30));
            app.start(); // a restart writes the file again, still owner-only
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(app.configFile())))
                    .isEqualTo("rw-------");
        } finally {
            app.close();
        }
        assertThat(app.configFile()).doesNotExist();
        assertThat(Files.readString(dir.resolve("app.log"))).doesNotContain(JAAS_SECRET);
    }
}
