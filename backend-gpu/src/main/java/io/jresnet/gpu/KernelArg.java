package io.jresnet.gpu;

/** One argument of a kernel launch: a device buffer (or none), or a 32-bit int. */
public sealed interface KernelArg {
    record Buffer(DeviceBuffer buffer) implements KernelArg {}

    /** A null pointer, for an optional buffer the kernel is told (by a flag) not to read. */
    record NoBuffer() implements KernelArg {}

    record Int(int value) implements KernelArg {}

    static KernelArg of(DeviceBuffer b) {
        return new Buffer(b);
    }

    static KernelArg of(int v) {
        return new Int(v);
    }

    static KernelArg none() {
        return new NoBuffer();
    }
}
