package io.jresnet.gpu;

import io.jresnet.BackendException;
import java.util.Arrays;

/**
 * Global and local sizes of one kernel launch, in work-items (OpenCL's NDRange). Every global size
 * is a multiple of its local size (kernels guard their own bounds), which OpenCL 1.2 requires and
 * which makes CUDA's grid, {@code global / local} blocks, exact.
 */
public record LaunchGeometry(long[] global, long[] local) {
    /** CUDA's limit on gridDim.y and gridDim.z (gridDim.x allows 2^31 - 1). */
    public static final long CUDA_MAX_GRID_YZ = 65_535;

    public LaunchGeometry {
        if (global.length != local.length || global.length < 1 || global.length > 3) {
            throw new IllegalArgumentException("global " + Arrays.toString(global) + " and local "
                    + Arrays.toString(local) + " must have the same rank, 1 to 3");
        }
        for (int d = 0; d < global.length; d++) {
            if (local[d] < 1 || global[d] < local[d] || global[d] % local[d] != 0) {
                throw new IllegalArgumentException("global size " + global[d] + " is not a positive multiple of local size "
                        + local[d] + " in dimension " + d);
            }
        }
        global = global.clone();
        local = local.clone();
    }

    /** {@code items} work-items in groups of {@code local}, the count rounded up to whole groups. */
    public static LaunchGeometry linear(long items, int local) {
        return new LaunchGeometry(new long[] {roundUp(Math.max(items, 1), local)}, new long[] {local});
    }

    /** A 2-D launch of at least {@code items0 x items1} work-items in groups of {@code local0 x local1}. */
    public static LaunchGeometry grid(long items0, long items1, int local0, int local1) {
        return new LaunchGeometry(new long[] {roundUp(Math.max(items0, 1), local0), roundUp(Math.max(items1, 1), local1)},
                new long[] {local0, local1});
    }

    /**
     * One row per plane of a 2-D launch, {@code pixels} work-items wide in groups of {@code local0 x 1},
     * with at most {@link #CUDA_MAX_GRID_YZ} rows: a kernel launched this way steps its row index by
     * the grid's height ({@code GLOBAL_SIZE(1)}), so any batch size fits (ResNet-50's max pool has
     * batch x 64 planes).
     */
    public static LaunchGeometry planes(long pixels, long planes, int local0) {
        return grid(pixels, Math.min(Math.max(planes, 1), CUDA_MAX_GRID_YZ), local0, 1);
    }

    /** {@code groups} work-groups of {@code local} items each (one group per row, plane or feature). */
    public static LaunchGeometry groups(long groups, int local) {
        return new LaunchGeometry(new long[] {Math.max(groups, 1) * local}, new long[] {local});
    }

    public static long roundUp(long value, long multiple) {
        return (value + multiple - 1) / multiple * multiple;
    }

    public int rank() {
        return global.length;
    }

    /** Work-items per group. */
    public long groupSize() {
        long s = 1;
        for (long l : local) s *= l;
        return s;
    }

    /**
     * CUDA's {@code gridDim} (x, y, z): global / local per dimension, 1 where absent.
     *
     * @throws BackendException when a dimension exceeds CUDA's grid limits
     */
    public long[] cudaGrid(String kernel) {
        long[] grid = {1, 1, 1};
        for (int d = 0; d < rank(); d++) grid[d] = global[d] / local[d];
        if (grid[0] > Integer.MAX_VALUE || grid[1] > CUDA_MAX_GRID_YZ || grid[2] > CUDA_MAX_GRID_YZ) {
            throw new BackendException("launch of " + kernel + " needs a grid of " + Arrays.toString(grid)
                    + " blocks, beyond CUDA's limits [2^31-1, 65535, 65535]");
        }
        return grid;
    }

    /** CUDA's {@code blockDim} (x, y, z). */
    public long[] cudaBlock() {
        long[] block = {1, 1, 1};
        System.arraycopy(local, 0, block, 0, rank());
        return block;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LaunchGeometry g && Arrays.equals(global, g.global) && Arrays.equals(local, g.local);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(global) + Arrays.hashCode(local);
    }

    @Override
    public String toString() {
        return "global " + Arrays.toString(global) + " local " + Arrays.toString(local);
    }
}
