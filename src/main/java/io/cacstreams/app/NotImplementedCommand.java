package io.cacstreams.app;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** A command that this build does not have yet: says so on stderr and exits 1. */
abstract class NotImplementedCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getErr().println(spec.name() + ": not implemented yet");
        return Main.EXIT_FAILED;
    }
}
