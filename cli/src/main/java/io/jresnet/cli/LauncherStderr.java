package io.jresnet.cli;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Field;

/**
 * Points {@link System#err} at the stderr the {@code ./jresnet} launcher set aside.
 *
 * <p>The JVM prints "WARNING: Using incubator modules" while it boots, before any Java code runs,
 * and has no option to silence it. So the launcher starts the JVM with descriptor 2 on a filter that
 * drops that one line, and passes the caller's own stderr as another descriptor, named in the
 * environment variable {@value #VARIABLE}. Everything Java writes afterwards goes straight there:
 * through the filter, an error's last line could reach the caller after the process had exited.
 *
 * <p>It needs {@code --add-opens java.base/java.io=ALL-UNNAMED} (the launcher passes it): no public
 * API makes a {@link FileDescriptor} for an inherited descriptor number. Without it, or without the
 * variable (an embedding application, the tests), {@code System.err} stays as it is.
 */
final class LauncherStderr {
    /** The environment variable that names the descriptor: {@value}. */
    static final String VARIABLE = "JRESNET_STDERR_FD";

    private LauncherStderr() {}

    /** Switches {@code System.err} to the descriptor the launcher named, if it named one. */
    static void adopt() {
        String number = System.getenv(VARIABLE);
        if (number == null) return;
        try {
            FileDescriptor descriptor = new FileDescriptor();
            Field fd = FileDescriptor.class.getDeclaredField("fd");
            fd.setAccessible(true);
            fd.setInt(descriptor, Integer.parseInt(number));
            // As the JDK builds System.err: buffered, flushed at each line and each write of bytes.
            System.setErr(new PrintStream(new BufferedOutputStream(new FileOutputStream(descriptor), 8192), true,
                    System.err.charset()));
        } catch (ReflectiveOperationException | RuntimeException e) {
            // Keep the filtered stderr: it still carries every message, only its last lines may trail.
        }
    }
}
