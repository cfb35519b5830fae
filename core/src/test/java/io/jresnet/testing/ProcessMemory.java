package io.jresnet.testing;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/** The memory figures long-run tests compare between an early point and the end. */
public final class ProcessMemory {
    private ProcessMemory() {}

    /** {@return used heap after three full collections, in MiB} */
    public static double heapAfterGcMib() {
        for (int i = 0; i < 3; i++) System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (1024.0 * 1024.0);
    }

    /**
     * {@return the process's resident set (VmRSS in /proc/self/status) in MiB, or NaN off Linux}
     * Unlike the heap it counts native memory: device buffers of a CPU OpenCL device, off-heap
     * staging, thread stacks, code.
     */
    public static double residentMib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }
}
