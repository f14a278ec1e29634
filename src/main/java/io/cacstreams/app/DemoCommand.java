package io.cacstreams.app;

import picocli.CommandLine.Command;

/** Placeholder until the demo is written: see the description. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run an embedded Kafka broker, a schema registry and the application in one process. "
                + "(Not implemented yet in this build.)")
final class DemoCommand extends NotImplementedCommand {
}
