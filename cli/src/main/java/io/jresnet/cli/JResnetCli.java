package io.jresnet.cli;

import picocli.CommandLine;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code jresnet} command. A subcommand is a class annotated with {@code @Command} and
 * registered with one line in {@code subcommands} below.
 *
 * <p>Use {@link #commandLine()} rather than {@code new CommandLine(new JResnetCli())}: it installs
 * the error handlers that turn failures into one line on stderr and exit codes 1 (error) and 2
 * (usage).
 */
@Command(name = "jresnet", mixinStandardHelpOptions = true, version = "jresnet 0.1.0-SNAPSHOT",
        description = "Build, load, run, train and benchmark residual networks.",
        subcommands = {
            BackendsCommand.class,
            SummaryCommand.class,
            InferCommand.class,
            BenchCommand.class,
            ClassifyCommand.class,
            ExportCommand.class,
            VerifyCommand.class,
            TrainCommand.class,
            EvaluateCommand.class,
            ExperimentCommand.class,
        })
public final class JResnetCli implements Callable<Integer> {
    @Option(names = "--verbose", scope = ScopeType.INHERIT,
            description = "Print the stack trace of an error instead of one line.")
    boolean verbose;

    @Spec
    CommandSpec spec;

    /** Without a subcommand there is nothing to do: show what there is, as a usage error. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return CliErrors.USAGE;
    }

    /** The command with jresnet's error handling installed. */
    public static CommandLine commandLine() {
        CliErrors errors = new CliErrors();
        return new CommandLine(new JResnetCli())
                .setExecutionExceptionHandler(errors)
                .setParameterExceptionHandler(errors);
    }

    public static void main(String[] args) {
        LauncherStderr.adopt();
        System.exit(commandLine().execute(args));
    }
}
