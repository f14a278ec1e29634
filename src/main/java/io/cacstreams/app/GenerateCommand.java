package io.cacstreams.app;

import picocli.CommandLine.Command;

/** Placeholder until the generator is written. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Produce sample input events. (Not implemented yet in this build.)")
final class GenerateCommand extends NotImplementedCommand {
}
