package io.jresnet.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code jresnet experiment NAME}: the paper's experiments, one subcommand each. */
@Command(name = "experiment", mixinStandardHelpOptions = true,
        description = "Reproduce an experiment of He et al. (2016).",
        subcommands = {DegradationCommand.class})
final class ExperimentCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return CliErrors.USAGE;
    }
}
