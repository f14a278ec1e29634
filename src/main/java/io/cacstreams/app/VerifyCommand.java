package io.cacstreams.app;

import picocli.CommandLine.Command;

/** Placeholder until verification is written. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Not implemented yet in this build.")
final class VerifyCommand extends NotImplementedCommand {
}
