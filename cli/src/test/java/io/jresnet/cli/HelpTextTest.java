package io.jresnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every command's help renders cleanly. picocli formats descriptions as format strings: a bare
 * {@code %} (as in "at 50% and 75%") makes it print a warning to the process's stderr, three times,
 * on every {@code --help} of that command.
 */
class HelpTextTest {
    private static void collect(CommandLine cmd, List<CommandLine> all) {
        all.add(cmd);
        for (CommandLine sub : cmd.getSubcommands().values()) {
            if (!all.contains(sub)) collect(sub, all);
        }
    }

    @Test
    void everyCommandsHelpRendersWithoutPicocliWarnings() {
        List<CommandLine> commands = new ArrayList<>();
        collect(JResnetCli.commandLine(), commands);
        PrintStream saved = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        StringBuilder usages = new StringBuilder();
        try {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            for (CommandLine cmd : commands) usages.append(cmd.getUsageMessage());
        } finally {
            System.setErr(saved);
        }
        assertEquals("", captured.toString(StandardCharsets.UTF_8), "stderr while rendering " + commands.size() + " helps");
        assertFalse(usages.toString().contains("%n"), "an unformatted description:\n" + usages);
    }
}
