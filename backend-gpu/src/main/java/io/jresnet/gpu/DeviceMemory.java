package io.jresnet.gpu;

import io.jresnet.BackendException;

/**
 * What jresnet holds on one device, against the device's limits. Every allocation is reserved here
 * before the driver is asked, so a model or session that cannot fit fails before anything is
 * allocated, with a message in the user's terms (how much, for what, how much the device has); and
 * the live counts let the tests and long runs show that {@code close()} gives everything back.
 * Memory used by other processes is invisible here: when the driver itself runs out, the runtime
 * reports it through {@link #outOfMemory} in the same terms.
 */
public final class DeviceMemory {
    private final String device;
    private final long totalBytes;
    private final long maxAllocationBytes;
    private long liveBuffers;
    private long liveBytes;

    /** What jresnet holds on the device and the device's limits, at one moment. */
    public record Usage(long buffers, long bytes, long totalBytes, long maxAllocationBytes) {}

    /**
     * @param device the device in words, for messages
     * @param totalBytes the device's memory (OpenCL's global memory size, CUDA's total memory)
     * @param maxAllocationBytes the largest single buffer the device allows
     */
    public DeviceMemory(String device, long totalBytes, long maxAllocationBytes) {
        this.device = device;
        this.totalBytes = totalBytes;
        this.maxAllocationBytes = Math.min(maxAllocationBytes, totalBytes);
    }

    /** Thrown when something jresnet needs does not fit the device's memory. */
    public static final class OutOfDeviceMemoryException extends BackendException {
        OutOfDeviceMemoryException(String message) {
            super(message);
        }
    }

    public synchronized Usage usage() {
        return new Usage(liveBuffers, liveBytes, totalBytes, maxAllocationBytes);
    }

    /**
     * Fails unless {@code bytes} more fit beside what jresnet holds: checked for all the buffers of a
     * model's weights or a session's activations before the first of them is allocated.
     *
     * @param bytes the bytes needed in all
     * @param what what they are for, e.g. "the activations of a session at input 64x3x224x224"
     */
    public synchronized void checkFits(long bytes, String what) {
        if (bytes > totalBytes - liveBytes) {
            throw new OutOfDeviceMemoryException("out of device memory on " + device + ": " + what + " need "
                    + gib(bytes) + ", and the device has " + gib(totalBytes) + " of which jresnet already holds "
                    + gib(liveBytes) + "; compile for a smaller batch or input, or close models and sessions");
        }
    }

    /**
     * Counts one buffer of {@code bytes} as held, failing first if it is larger than the device allows
     * or does not fit; {@link #release} undoes it.
     *
     * @param bytes the buffer's size
     * @param what what it is for, for the message
     */
    public synchronized void reserve(long bytes, String what) {
        if (bytes > maxAllocationBytes) {
            throw new OutOfDeviceMemoryException("out of device memory on " + device + ": " + what + " needs one buffer of "
                    + gib(bytes) + ", larger than the " + gib(maxAllocationBytes)
                    + " the device allows in one allocation; compile for a smaller batch or input");
        }
        checkFits(bytes, what);
        liveBuffers++;
        liveBytes += bytes;
    }

    /** Stops counting a buffer of {@code bytes}: it was freed, or its allocation failed. */
    public synchronized void release(long bytes) {
        liveBuffers--;
        liveBytes -= bytes;
    }

    /**
     * The driver's own out-of-memory error (other processes hold the device's memory, or it
     * fragments), in the same terms as a failed check.
     *
     * @param bytes the buffer's size
     * @param what what it was for
     * @param driverError the driver call and status, e.g. "clCreateBuffer failed: CL_MEM_OBJECT_ALLOCATION_FAILURE (-4)"
     * @return the exception to throw
     */
    public synchronized BackendException outOfMemory(long bytes, String what, String driverError) {
        return new OutOfDeviceMemoryException("out of device memory on " + device + ": " + what + " needs "
                + gib(bytes) + " and the driver refused (" + driverError + "); jresnet holds " + gib(liveBytes)
                + " of the device's " + gib(totalBytes) + ", the rest is used elsewhere");
    }

    /** A runtime's allocation call, its matching free, and which of its failures mean "out of memory". */
    public interface Allocator<B extends DeviceBuffer> {
        B allocate(long bytes);

        void free(B buffer);

        boolean isOutOfMemory(RuntimeException failure);
    }

    /**
     * Reserves {@code bytes}, allocates them with {@code allocator} and registers the free (and the
     * release of the reservation) with {@code owner}; a failed allocation releases the reservation,
     * and the driver's out-of-memory errors become {@link #outOfMemory}.
     *
     * @param bytes the buffer's size
     * @param what what it is for, for messages
     * @param owner the owner that frees it
     * @param allocator the runtime's allocation call
     * @param <B> the runtime's buffer type
     * @return the buffer
     */
    public <B extends DeviceBuffer> B allocate(long bytes, String what, NativeOwner owner, Allocator<B> allocator) {
        reserve(bytes, what);
        B buffer;
        try {
            buffer = allocator.allocate(bytes);
        } catch (RuntimeException e) {
            release(bytes);
            throw allocator.isOutOfMemory(e) ? outOfMemory(bytes, what, e.getMessage()) : e;
        }
        owner.own(() -> {
            try {
                allocator.free(buffer);
            } finally {
                release(bytes);
            }
        });
        return buffer;
    }

    static String gib(long bytes) {
        return bytes >= (1L << 30) ? String.format("%.2f GiB", bytes / (double) (1L << 30))
                : String.format("%.1f MiB", bytes / (double) (1L << 20));
    }
}
