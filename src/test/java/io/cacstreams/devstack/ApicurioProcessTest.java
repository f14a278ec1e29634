package io.cacstreams.devstack;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ApicurioProcessTest {
    @Test
    void findsTheRunnerJarInTheDirectoryOrOneBelow(@TempDir Path dir) throws IOException {
        assertThatThrownBy(() -> ApicurioProcess.findRunnerJar(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining(ApicurioProcess.RUNNER_JAR);
        assertThatThrownBy(() -> ApicurioProcess.start(dir.resolve("missing"))).isInstanceOf(IOException.class);

        Path nested = Files.createDirectories(dir.resolve("apicurio-registry-app-2.6.13.Final"))
                .resolve(ApicurioProcess.RUNNER_JAR);
        Files.writeString(nested, "");
        assertThat(ApicurioProcess.findRunnerJar(dir)).isEqualTo(nested);

        Path direct = Files.writeString(dir.resolve(ApicurioProcess.RUNNER_JAR), "");
        assertThat(ApicurioProcess.findRunnerJar(dir)).isEqualTo(direct);
    }

    @Test
    void usesThisJvmsJava() {
        assertThat(Path.of(ApicurioProcess.javaExecutable())).isExecutable();
    }
}
