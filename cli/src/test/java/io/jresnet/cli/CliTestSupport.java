package io.jresnet.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs the jresnet command in-process and captures what it prints. */
final class CliTestSupport {
    private CliTestSupport() {}

    record Result(int exitCode, String out, String err) {
        /** The error output without the progress lines a benchmark draws. */
        String errLines() {
            return err.replaceAll("[^\\n]*\\r[^\\n]*\\n", "");
        }
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = JResnetCli.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(args);
        return new Result(code, out.toString(), err.toString());
    }
}
