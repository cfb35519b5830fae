package io.jresnet.gpu.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * POCL's platform initialisation replaces HotSpot's handlers for SIGSEGV and others (issue 10); the
 * opencl provider must leave the JVM with its own handlers, with and without HotSpot's signal chaining.
 */
class NativeSignalsTest {
    @BeforeAll
    static void requirePlatform() {
        OpenClTestSupport.requireOpenCl();
    }

    @Test
    void withoutSignalChainingTheReplacedHandlersArePutBackAndReported() throws Exception {
        String out = runFresh(false);
        assertTrue(out.contains("chained=false"), out);
        assertEveryJvmHandlerKept(out);
        // POCL replaces SIGSEGV (3.1 does, measured); another platform may leave it alone.
        if (out.contains("Portable Computing Language")) {
            assertTrue(out.substring(out.indexOf("restored=")).contains("SIGSEGV"), out);
            assertTrue(out.contains("WARNING") && out.contains("libjsig.so"), "a replaced fault handler is reported: " + out);
        }
    }

    @Test
    void withSignalChainingTheJvmHandlersAreKeptToo() throws Exception {
        String out = runFresh(true);
        assertTrue(out.contains("chained=true"), out);
        assertEveryJvmHandlerKept(out);
        // libjsig keeps the fault handlers itself; what it does not cover (SIGUSR2, SIGINT, ...) is put back.
        String restored = out.substring(out.indexOf("restored="));
        assertFalse(restored.contains("SIGSEGV"), out);
    }

    private static void assertEveryJvmHandlerKept(String out) {
        assertTrue(out.contains("opencl=true"), out);
        assertFalse(out.contains("CHANGED"), out);
        assertTrue(out.contains("SIGSEGV kept") && !out.contains("SIGSEGV kept (no JVM handler)"), out);
    }

    private static String runFresh(boolean chained) throws IOException, InterruptedException {
        Path javaHome = Path.of(System.getProperty("java.home"));
        ProcessBuilder pb = new ProcessBuilder(javaHome.resolve("bin/java").toString(), "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), SignalHandlersMain.class.getName()).redirectErrorStream(true);
        pb.environment().remove("LD_PRELOAD");
        if (chained) pb.environment().put("LD_PRELOAD", javaHome.resolve("lib/libjsig.so").toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child JVM did not finish");
        assertEquals(0, p.exitValue(), out);
        return out;
    }
}
