package io.jresnet.models.io;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The element types jresnet reads from tensor files. Every one is converted to float32 on read;
 * only {@link #F32} (and {@link #I64} for integer counters) is ever written.
 */
enum DType {
    F32(4), F64(8), F16(2), BF16(2), I64(8), I32(4), U8(1);

    final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /**
     * Converts {@code count} elements starting at byte {@code offset} of {@code src} to floats. The
     * caller has checked that {@code offset + count * bytes} lies inside the segment.
     */
    float[] toFloats(MemorySegment src, long offset, int count, ByteOrder order) {
        float[] out = new float[count];
        switch (this) {
            // A bulk copy moves raw bits, so NaN payloads survive and round trips are bit-exact.
            case F32 -> MemorySegment.copy(src, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(order), offset, out, 0, count);
            case F64 -> {
                ValueLayout.OfDouble l = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(order);
                for (int i = 0; i < count; i++) out[i] = (float) src.get(l, offset + 8L * i);
            }
            case F16 -> {
                ValueLayout.OfShort l = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(order);
                for (int i = 0; i < count; i++) out[i] = Float.float16ToFloat(src.get(l, offset + 2L * i));
            }
            case BF16 -> {
                // bfloat16 is the top half of a float32.
                ValueLayout.OfShort l = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(order);
                for (int i = 0; i < count; i++) out[i] = Float.intBitsToFloat((src.get(l, offset + 2L * i) & 0xffff) << 16);
            }
            case I64 -> {
                ValueLayout.OfLong l = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(order);
                for (int i = 0; i < count; i++) out[i] = src.get(l, offset + 8L * i);
            }
            case I32 -> {
                ValueLayout.OfInt l = ValueLayout.JAVA_INT_UNALIGNED.withOrder(order);
                for (int i = 0; i < count; i++) out[i] = src.get(l, offset + 4L * i);
            }
            case U8 -> {
                for (int i = 0; i < count; i++) out[i] = src.get(ValueLayout.JAVA_BYTE, offset + i) & 0xff;
            }
        }
        return out;
    }
}
