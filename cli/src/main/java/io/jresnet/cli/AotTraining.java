package io.jresnet.cli;

import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;

/**
 * The training run of the launcher's ahead-of-time cache (JDK 25, JEP 483/514/515): runs the
 * commands a user starts most often, one after the other in one JVM with their output discarded,
 * so that the cache holds the classes (and method profiles) of each, not only of the first.
 * {@code ./jresnet} records it after every build: {@code java -XX:AOTCacheOutput=... AotTraining}.
 */
public final class AotTraining {
    /** Each command's arguments, in the order they run. */
    static final List<String[]> COMMANDS = List.of(
            new String[] {"--help"},
            new String[] {"classify", "--help"},
            new String[] {"backends"},
            new String[] {"summary", "resnet50"},
            new String[] {"summary", "--json", "resnet20"},
            new String[] {"classify"});

    private AotTraining() {}

    /**
     * Runs {@link #COMMANDS}.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        PrintWriter nowhere = new PrintWriter(OutputStream.nullOutputStream());
        PrintStream out = System.out;
        System.setOut(new PrintStream(OutputStream.nullOutputStream()));
        int failed = 0;
        try {
            for (String[] command : COMMANDS) {
                CommandLine cli = JResnetCli.commandLine();
                cli.setOut(nowhere).setErr(nowhere);
                if (cli.execute(command) != 0) failed++;
            }
        } finally {
            System.setOut(out);
        }
        System.exit(failed == 0 ? 0 : 1);
    }
}
