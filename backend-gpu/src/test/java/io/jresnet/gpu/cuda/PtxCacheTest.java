package io.jresnet.gpu.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PtxCacheTest {
    static final PtxCache.Key KEY = new PtxCache.Key("KERNEL void f() {}", "--gpu-architecture=compute_90", "12.8",
            12080, "NVIDIA H200", 9, 0);

    @Test
    void keyIsStableAndCoversEveryInput() {
        assertEquals(KEY.hash(), new PtxCache.Key("KERNEL void f() {}", "--gpu-architecture=compute_90", "12.8", 12080,
                "NVIDIA H200", 9, 0).hash());
        for (PtxCache.Key other : new PtxCache.Key[] {
                new PtxCache.Key("KERNEL void g() {}", KEY.options(), "12.8", 12080, "NVIDIA H200", 9, 0),
                new PtxCache.Key(KEY.source(), "--gpu-architecture=compute_80", "12.8", 12080, "NVIDIA H200", 9, 0),
                new PtxCache.Key(KEY.source(), KEY.options(), "13.0", 12080, "NVIDIA H200", 9, 0),
                new PtxCache.Key(KEY.source(), KEY.options(), "12.8", 12090, "NVIDIA H200", 9, 0),
                new PtxCache.Key(KEY.source(), KEY.options(), "12.8", 12080, "NVIDIA H100", 9, 0),
                new PtxCache.Key(KEY.source(), KEY.options(), "12.8", 12080, "NVIDIA H200", 8, 9)}) {
            assertNotEquals(KEY.hash(), other.hash(), other.toString());
        }
    }

    @Test
    void fileNameSaysWhichDevice() {
        assertTrue(KEY.fileName().matches("nvidia-h200-sm90-[0-9a-f]{16}\\.ptx"), KEY.fileName());
    }

    @Test
    void storeThenLoad(@TempDir Path dir) {
        PtxCache cache = new PtxCache(dir);
        assertTrue(cache.load(KEY).isEmpty());
        byte[] ptx = ".version 8.0\n.target sm_90\n".getBytes(StandardCharsets.UTF_8);
        assertTrue(cache.store(KEY, ptx));
        assertArrayEquals(ptx, cache.load(KEY).orElseThrow());
        assertEquals(dir.resolve("ptx").resolve(KEY.fileName()), cache.path(KEY));
    }

    @Test
    void defaultDirectoryFollowsPropertyThenXdgThenHome() {
        assertEquals(Path.of("/x"), PtxCache.defaultDirectory(Map.of("XDG_CACHE_HOME", "/c"), "/home/u", "/x"));
        assertEquals(Path.of("/c/jresnet"), PtxCache.defaultDirectory(Map.of("XDG_CACHE_HOME", "/c"), "/home/u", null));
        assertEquals(Path.of("/home/u/.cache/jresnet"), PtxCache.defaultDirectory(Map.of(), "/home/u", null));
    }
}
