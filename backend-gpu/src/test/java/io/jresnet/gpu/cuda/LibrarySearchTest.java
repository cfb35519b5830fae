package io.jresnet.gpu.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LibrarySearchTest {
    @Test
    void newestVersionInTheFirstDirectoryHoldingOneWins(@TempDir Path tmp) throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Path toolkit = Files.createDirectories(tmp.resolve("toolkit"));
        Path later = Files.createDirectories(tmp.resolve("later"));
        for (String f : List.of("libnvrtc.so", "libnvrtc.so.12", "libnvrtc.so.12.8.93", "libnvrtc.so.11.2",
                "libnvrtc-builtins.so.13.0", "libnvrtc.so.12.alt")) {
            Files.createFile(toolkit.resolve(f));
        }
        Files.createFile(later.resolve("libnvrtc.so.13"));
        assertEquals(toolkit.resolve("libnvrtc.so.12.8.93"),
                LibrarySearch.find("nvrtc", List.of(tmp.resolve("missing"), empty, toolkit, later)).orElseThrow());
        assertEquals(later.resolve("libnvrtc.so.13"), LibrarySearch.find("nvrtc", List.of(later, toolkit)).orElseThrow());
    }

    @Test
    void unversionedNameIsFoundWhenAlone(@TempDir Path tmp) throws IOException {
        Files.createFile(tmp.resolve("libnvrtc.so"));
        assertEquals(tmp.resolve("libnvrtc.so"), LibrarySearch.find("nvrtc", List.of(tmp)).orElseThrow());
    }

    @Test
    void nothingFoundListsWhereItLooked(@TempDir Path tmp) {
        assertTrue(LibrarySearch.find("nvrtc", List.of(tmp)).isEmpty());
        String reason = LibrarySearch.notFound("nvrtc", List.of(tmp, Path.of("/usr/local/cuda/lib64")));
        assertTrue(reason.startsWith("libnvrtc not found; looked in [" + tmp + ", /usr/local/cuda/lib64]"), reason);
    }

    @Test
    void searchPathStartsWithCudaHomeAndLdLibraryPath() {
        List<Path> dirs = LibrarySearch.nvrtcDirectories(Map.of("CUDA_HOME", "/opt/cuda-13", "LD_LIBRARY_PATH", "/a:/b"));
        assertEquals(List.of(Path.of("/opt/cuda-13/lib64"), Path.of("/opt/cuda-13/lib"), Path.of("/a"), Path.of("/b")),
                dirs.subList(0, 4));
        assertTrue(dirs.contains(Path.of("/usr/local/cuda/lib64")));
    }

    @Test
    void versionsCompareNumerically() {
        assertTrue(LibrarySearch.compareVersions(new int[] {12, 10}, new int[] {12, 9}) > 0);
        assertTrue(LibrarySearch.compareVersions(new int[] {12, 8}, new int[] {12}) > 0);
        assertTrue(LibrarySearch.compareVersions(new int[] {}, new int[] {11}) < 0);
    }
}
