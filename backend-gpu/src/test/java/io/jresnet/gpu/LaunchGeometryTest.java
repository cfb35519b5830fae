package io.jresnet.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jresnet.BackendException;
import org.junit.jupiter.api.Test;

class LaunchGeometryTest {
    @Test
    void linearRoundsUpToWholeGroups() {
        LaunchGeometry g = LaunchGeometry.linear(130, 64);
        assertArrayEquals(new long[] {192}, g.global());
        assertArrayEquals(new long[] {3, 1, 1}, g.cudaGrid("k"));
        assertArrayEquals(new long[] {64, 1, 1}, g.cudaBlock());
        assertArrayEquals(new long[] {64}, LaunchGeometry.linear(0, 64).global(), "an empty launch still has one group");
    }

    @Test
    void gridOfTheImplicitGemmConv() {
        // ResNet-50 stem at batch 1: P = 112*112 = 12544 pixels, K = 64 channels, 64x64 tiles of 16x16 items.
        long pixels = 112 * 112;
        LaunchGeometry g = LaunchGeometry.grid((pixels + 63) / 64 * 16, 1 * 16, 16, 16);
        assertArrayEquals(new long[] {196 * 16, 16}, g.global());
        assertArrayEquals(new long[] {196, 1, 1}, g.cudaGrid("conv"));
        assertArrayEquals(new long[] {16, 16, 1}, g.cudaBlock());
        assertEquals(256, g.groupSize());
    }

    @Test
    void groupsGivesOneGroupPerItem() {
        assertArrayEquals(new long[] {1000 * 64}, LaunchGeometry.groups(1000, 64).global());
        assertArrayEquals(new long[] {1000, 1, 1}, LaunchGeometry.groups(1000, 64).cudaGrid("fc"));
    }

    @Test
    void cudaGridLimitsAreCheckedWithTheKernelName() {
        LaunchGeometry g = LaunchGeometry.grid(64, 70_000, 64, 1);
        BackendException e = assertThrows(BackendException.class, () -> g.cudaGrid("maxpool_v2_clipped"));
        assertTrue(e.getMessage().contains("maxpool_v2_clipped") && e.getMessage().contains("65535"), e.getMessage());
    }

    @Test
    void planesCapsTheRowsAtCudasGridLimit() {
        // ResNet-50's max pool at batch 2048: 2048 x 64 planes of 56 x 56 pixels.
        LaunchGeometry g = LaunchGeometry.planes(56 * 56, 2048L * 64, 64);
        assertArrayEquals(new long[] {49, 65_535, 1}, g.cudaGrid("maxpool_v2_clipped"));
        assertArrayEquals(new long[] {64, 7}, LaunchGeometry.planes(3, 7, 64).global(), "few planes: one row each");
    }

    @Test
    void inconsistentSizesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new LaunchGeometry(new long[] {100}, new long[] {64}));
        assertThrows(IllegalArgumentException.class, () -> new LaunchGeometry(new long[] {64, 1}, new long[] {64}));
        assertThrows(IllegalArgumentException.class, () -> new LaunchGeometry(new long[] {0}, new long[] {0}));
    }
}
