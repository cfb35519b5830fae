package io.jresnet.gpu;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Keeps the JVM's signal handlers in place while a native GPU platform initialises.
 *
 * <p>HotSpot runs on its signal handlers: SIGSEGV and SIGBUS for implicit null checks and for the
 * safepoint and handshake polls of compiled code, SIGFPE and SIGILL for other implicit checks,
 * SIGUSR2 to suspend threads, SIGQUIT for thread dumps, SIGINT/SIGTERM/SIGHUP for shutdown hooks.
 * POCL 3.1 (through the LLVM inside it) installs its own handlers for all of these during
 * {@code clGetPlatformIDs}. From then on the next armed safepoint poll in compiled Java code lands in
 * LLVM's crash handler and the process dies with SIGSEGV and no {@code hs_err} file: about one run
 * in three of a 25-second benchmark on a machine with POCL installed, whichever backend it used.
 *
 * <p>Two defences, both applied:
 * <ul>
 *   <li>The supported one is HotSpot's signal chaining: start the JVM with
 *       {@code LD_PRELOAD=$JAVA_HOME/lib/libjsig.so}. A library's {@code sigaction} for a signal the
 *       JVM handles is then recorded and chained, not installed. The {@code jresnet} launcher and the
 *       test JVMs do this. It does not cover the handlers the JVM installs after start-up (SIGUSR2,
 *       SIGINT, SIGTERM, SIGHUP, SIGQUIT on JDK 25).</li>
 *   <li>{@link #preserving} snapshots every handler before the native call and, afterwards, puts
 *       back each one that was a real handler before (the JVM's) and was replaced. Signals that had
 *       no handler keep whatever the platform installed. What was replaced is logged: a warning when
 *       libjsig is not preloaded and a fault signal was touched, since a fault in another thread
 *       during the call itself could still have reached the wrong handler; debug otherwise.</li>
 * </ul>
 * On systems other than Linux the call runs unguarded (the signal numbers below are Linux's).
 */
public final class NativeSignals {
    /** Linux's standard and real-time signals. */
    private static final int LAST_SIGNAL = 64;
    /** At least {@code sizeof(struct sigaction)}: 152 bytes with glibc on x86-64 and AArch64. */
    private static final long SIGACTION_BYTES = 256;
    /** The handler (a union of {@code sa_handler} and {@code sa_sigaction}) is the struct's first field. */
    private static final long HANDLER_OFFSET = 0;
    private static final long SIG_DFL = 0, SIG_IGN = 1;
    private static final Map<Integer, String> NAMES = Map.ofEntries(Map.entry(1, "SIGHUP"), Map.entry(2, "SIGINT"),
            Map.entry(3, "SIGQUIT"), Map.entry(4, "SIGILL"), Map.entry(5, "SIGTRAP"), Map.entry(6, "SIGABRT"),
            Map.entry(7, "SIGBUS"), Map.entry(8, "SIGFPE"), Map.entry(10, "SIGUSR1"), Map.entry(11, "SIGSEGV"),
            Map.entry(12, "SIGUSR2"), Map.entry(13, "SIGPIPE"), Map.entry(15, "SIGTERM"), Map.entry(24, "SIGXCPU"),
            Map.entry(25, "SIGXFSZ"), Map.entry(31, "SIGSYS"));
    /** The signals whose handler HotSpot needs for the code it runs, not only for process control. */
    private static final List<Integer> FAULTS = List.of(4, 7, 8, 11);

    private static final System.Logger LOG = System.getLogger(NativeSignals.class.getName());
    private static final MethodHandle SIGACTION = bindSigaction();
    private static final Object LOCK = new Object();
    private static final List<String> restored = new ArrayList<>();
    private static boolean warned;

    private NativeSignals() {}

    private static MethodHandle bindSigaction() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")) return null;
        try {
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find("sigaction")
                    .map(s -> linker.downcallHandle(s, FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS)))
                    .orElse(null);
        } catch (RuntimeException | LinkageError e) {
            return null; // no native access: there is nothing to guard either
        }
    }

    /**
     * Runs {@code nativeInit} (a call that may load and initialise a native platform) and then puts
     * back every JVM signal handler it replaced. {@code what} names the call in the log.
     */
    public static <T> T preserving(String what, Supplier<T> nativeInit) {
        if (SIGACTION == null) return nativeInit.get();
        synchronized (LOCK) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment before = snapshot(arena);
                try {
                    return nativeInit.get();
                } finally {
                    restore(what, before);
                }
            }
        }
    }

    /** The names of the signals whose JVM handler some native call replaced and this class put back. */
    public static List<String> restoredSignals() {
        synchronized (LOCK) {
            return List.copyOf(restored);
        }
    }

    /** The current handler address of every signal, indexed by signal number (0 unused). */
    public static long[] handlers() {
        long[] out = new long[LAST_SIGNAL + 1];
        if (SIGACTION == null) return out;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment all = snapshot(arena);
            for (int s = 1; s <= LAST_SIGNAL; s++) out[s] = handler(all, s);
        }
        return out;
    }

    /** Whether HotSpot's signal-chaining library is loaded into this process. */
    public static boolean signalChainingLoaded() {
        try {
            return Files.readString(Path.of("/proc/self/maps")).contains("/libjsig.so");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    public static String signalName(int signal) {
        return NAMES.getOrDefault(signal, "signal " + signal);
    }

    private static MemorySegment snapshot(Arena arena) {
        MemorySegment all = arena.allocate(SIGACTION_BYTES * (LAST_SIGNAL + 1), 16);
        for (int s = 1; s <= LAST_SIGNAL; s++) sigaction(s, MemorySegment.NULL, slot(all, s));
        return all;
    }

    private static void restore(String what, MemorySegment before) {
        List<Integer> replaced = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment now = arena.allocate(SIGACTION_BYTES, 16);
            for (int s = 1; s <= LAST_SIGNAL; s++) {
                long old = handler(before, s);
                if (old == SIG_DFL || old == SIG_IGN) continue; // not a handler of the JVM's: leave it
                if (sigaction(s, MemorySegment.NULL, now) != 0) continue;
                if (now.get(JAVA_LONG, HANDLER_OFFSET) == old) continue;
                if (sigaction(s, slot(before, s), MemorySegment.NULL) == 0) replaced.add(s);
            }
        }
        if (replaced.isEmpty()) return;
        List<String> names = replaced.stream().map(NativeSignals::signalName).toList();
        for (String n : names) if (!restored.contains(n)) restored.add(n);
        boolean fault = replaced.stream().anyMatch(FAULTS::contains);
        boolean chained = signalChainingLoaded();
        String message = what + " replaced the JVM's handlers for " + String.join(", ", names)
                + "; jresnet put them back.";
        if (fault && !chained && !warned) {
            warned = true;
            LOG.log(System.Logger.Level.WARNING, message + " A fault in another thread during that call could still have"
                    + " killed the JVM: start it with LD_PRELOAD=" + Path.of(System.getProperty("java.home"), "lib", "libjsig.so")
                    + " (HotSpot's signal chaining; the jresnet launcher does this).");
        } else {
            LOG.log(System.Logger.Level.DEBUG, message);
        }
    }

    private static MemorySegment slot(MemorySegment all, int signal) {
        return all.asSlice(SIGACTION_BYTES * signal, SIGACTION_BYTES);
    }

    private static long handler(MemorySegment all, int signal) {
        return all.get(JAVA_LONG, SIGACTION_BYTES * signal + HANDLER_OFFSET);
    }

    private static int sigaction(int signal, MemorySegment act, MemorySegment old) {
        try {
            return (int) SIGACTION.invokeExact(signal, act, old);
        } catch (Throwable t) {
            return -1;
        }
    }
}
