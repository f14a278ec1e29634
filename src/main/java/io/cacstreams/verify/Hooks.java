package io.cacstreams.verify;

import io.cacstreams.config.AppConfig;
import io.cacstreams.generator.GeneratedEvent;
import org.apache.kafka.clients.admin.Admin;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What a fault test changes in a run. Events (not fx rates: those all go first) are produced in {@link #phases()}
 * parts of equal simulated length: the first before the application starts, each later one while it runs, after
 * {@link #beforePhase}.
 */
public interface Hooks {
    /** No change: one phase, the generator's encoding, the default producer. */
    Hooks NONE = new Hooks() {
    };

    /** Producer settings on top of the defaults (idempotent, acks=all). */
    default Map<String, Object> producerOverrides() {
        return Map.of();
    }

    /** The bytes to send for {@code e} in {@code phase}; {@code encoded} is the generator's encoding. */
    default byte[] encode(GeneratedEvent e, byte[] encoded, int phase) {
        return encoded;
    }

    default int phases() {
        return 1;
    }

    /** Called before phase {@code phase} (1 ..) is produced, with the application running. */
    default void beforePhase(int phase, Stage stage) throws Exception {
    }

    /** Called once everything is produced, before the kills and the wait for quiescence. */
    default void afterProduced(Stage stage) throws Exception {
    }

    /** The running application and the means to look at it. */
    record Stage(ChildApp app, Admin admin, AppConfig config, PrintStream log) {
        /** Waits until the application has consumed every input record produced so far; null when it has. */
        public String awaitConsumed(Duration timeout) throws InterruptedException {
            return Quiescence.await(new Quiescence.Watch(admin, config.applicationId(), config.topics().inputs(),
                    Map.of(), Quiescence.lagFor(config.kafka())), List.of(), null, Duration.ZERO, timeout);
        }
    }
}
