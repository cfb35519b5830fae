package io.jresnet.cli;

import io.jresnet.JResnetException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * Turns every failure into one line on stderr: exit code 1 for errors (bad files, shapes, backends),
 * 2 for usage errors. {@code --verbose} adds the stack trace.
 */
final class CliErrors implements IExecutionExceptionHandler, IParameterExceptionHandler {
    static final int ERROR = 1;
    static final int USAGE = 2;

    @Override
    public int handleExecutionException(Exception e, CommandLine cmd, ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        err.println(prefix(cmd) + oneLine(describe(e)));
        if (isVerbose(parsed)) e.printStackTrace(err);
        err.flush();
        return ERROR;
    }

    @Override
    public int handleParseException(ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println(prefix(cmd) + oneLine(e.getMessage()) + " (see '" + cmd.getCommandSpec().qualifiedName()
                + " --help')");
        err.flush();
        return USAGE;
    }

    private static String prefix(CommandLine cmd) {
        return cmd.getCommandSpec().qualifiedName() + ": ";
    }

    /** What went wrong, in the user's terms; exceptions of ours already say so. */
    static String describe(Exception e) {
        return switch (e) {
            case JResnetException j -> j.getMessage();
            case NoSuchFileException f -> f.getFile() + ": no such file";
            case AccessDeniedException f -> f.getFile() + ": permission denied";
            case FileSystemException f -> f.getFile() + ": " + (f.getReason() != null ? f.getReason() : f.getClass().getSimpleName());
            case IOException io -> "I/O error: " + io.getMessage();
            case InvalidPathException p -> "invalid path '" + p.getInput() + "': " + p.getReason();
            default -> "internal error: " + e + " (run with --verbose for the stack trace)";
        };
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*\\R\\s*", " ");
    }

    private static boolean isVerbose(ParseResult parsed) {
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--verbose")) return true;
        }
        return false;
    }
}
