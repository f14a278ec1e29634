package io.cacstreams.e2e;

import io.cacstreams.devstack.ApicurioProcess;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/** The real schema registry of the integration tests: Apicurio Registry, unpacked by Maven into target/apicurio. */
final class Infra {
    private Infra() {
    }

    /** Starts Apicurio Registry, logging to target/apicurio-{@code name}.log. */
    static ApicurioProcess startApicurio(String name) throws IOException {
        Path dir = Path.of(System.getProperty("cac.apicurio.dir", "target/apicurio"));
        long t0 = System.nanoTime();
        ApicurioProcess registry = ApicurioProcess.start(dir, Path.of("target", "apicurio-" + name + ".log"),
                Duration.ofSeconds(60));
        System.out.printf("Apicurio Registry at %s ready in %d ms%n", registry.ccompatUrl(),
                (System.nanoTime() - t0) / 1_000_000);
        return registry;
    }
}
