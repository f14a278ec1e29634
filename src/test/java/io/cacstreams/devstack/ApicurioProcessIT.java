package io.cacstreams.devstack;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** No orphan registry: the shutdown hook stops Apicurio when its owner JVM is terminated without closing it. */
class ApicurioProcessIT {

    /** The owner: starts a registry, prints its pid, and waits to be terminated. */
    public static final class Owner {
        public static void main(String[] args) throws Exception {
            ApicurioProcess registry = ApicurioProcess.start(Path.of(args[0]), Path.of(args[1]), Duration.ofSeconds(60));
            System.out.println("APICURIO-PID " + registry.pid());
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
        }
    }

    @Test
    void terminatingTheOwnerJvmStopsTheRegistry() throws Exception {
        String dir = System.getProperty("cac.apicurio.dir", "target/apicurio");
        Process owner = new ProcessBuilder(List.of(ApicurioProcess.javaExecutable(), "-cp",
                System.getProperty("java.class.path"), Owner.class.getName(), dir, "target/apicurio-owner-it.log"))
                .redirectErrorStream(true).start();
        long apicurioPid = -1;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(owner.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                if (line.startsWith("APICURIO-PID ")) {
                    apicurioPid = Long.parseLong(line.substring("APICURIO-PID ".length()).strip());
                    break;
                }
            }
            assertThat(apicurioPid).as("the owner started a registry").isPositive();
            assertThat(ProcessHandle.of(apicurioPid).map(ProcessHandle::isAlive)).contains(true);

            owner.destroy(); // SIGTERM, which runs shutdown hooks like Ctrl-C's SIGINT does
            assertThat(owner.waitFor(30, TimeUnit.SECONDS)).isTrue();

            Optional<ProcessHandle> left = ProcessHandle.of(apicurioPid);
            assertThat(left.map(ProcessHandle::isAlive)).isNotEqualTo(Optional.of(true));
        } finally {
            owner.destroyForcibly();
            if (apicurioPid > 0) ProcessHandle.of(apicurioPid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }
}
