package io.jresnet.gpu.cuda;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds a versioned shared library such as NVRTC, which (unlike {@code libcuda.so.1}) has no fixed
 * soname: {@code libnvrtc.so.12}, {@code libnvrtc.so.13.0.48}, or only {@code libnvrtc.so} in a toolkit.
 * The newest version found in the first directory holding one wins; an explicit path wins over all.
 */
public final class LibrarySearch {
    private LibrarySearch() {}

    /**
     * The directories searched for {@code libnvrtc}, in order: {@code CUDA_HOME}, {@code CUDA_PATH},
     * {@code LD_LIBRARY_PATH}, the usual toolkit and distribution locations, and the NVIDIA wheels
     * that PyTorch installs under a Python's site-packages.
     */
    public static List<Path> nvrtcDirectories(Map<String, String> env) {
        Set<Path> dirs = new LinkedHashSet<>();
        for (String var : List.of("CUDA_HOME", "CUDA_PATH")) {
            String v = env.get(var);
            if (v != null && !v.isBlank()) {
                dirs.add(Path.of(v, "lib64"));
                dirs.add(Path.of(v, "lib"));
            }
        }
        String ld = env.get("LD_LIBRARY_PATH");
        if (ld != null) for (String d : ld.split(":")) if (!d.isBlank()) dirs.add(Path.of(d));
        dirs.add(Path.of("/usr/local/cuda/lib64"));
        dirs.addAll(globDirectories(Path.of("/usr/local"), "cuda-", "lib64"));
        dirs.add(Path.of("/usr/lib/x86_64-linux-gnu"));
        dirs.add(Path.of("/usr/lib/aarch64-linux-gnu"));
        dirs.add(Path.of("/usr/lib64"));
        dirs.add(Path.of("/usr/lib"));
        for (String lib : List.of("/usr/local/lib", "/usr/lib", "/opt/conda/lib")) {
            for (Path python : globDirectories(Path.of(lib), "python3", "")) {
                dirs.add(python.resolve("site-packages/nvidia/cuda_nvrtc/lib"));
                dirs.add(python.resolve("dist-packages/nvidia/cuda_nvrtc/lib"));
            }
        }
        return new ArrayList<>(dirs);
    }

    /** {@code parent/<prefix>*}{@code /suffix} for each matching subdirectory, newest name last. */
    private static List<Path> globDirectories(Path parent, String prefix, String suffix) {
        if (!Files.isDirectory(parent)) return List.of();
        try (Stream<Path> s = Files.list(parent)) {
            return s.filter(p -> p.getFileName().toString().startsWith(prefix))
                    .sorted(Comparator.comparing(p -> p.getFileName().toString()))
                    .map(p -> suffix.isEmpty() ? p : p.resolve(suffix))
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /**
     * The newest {@code lib<name>.so[.version]} in the first of {@code dirs} holding any; ignores
     * similarly named companions such as {@code libnvrtc-builtins.so}.
     */
    public static Optional<Path> find(String name, List<Path> dirs) {
        Pattern pattern = Pattern.compile("lib" + Pattern.quote(name) + "\\.so((?:\\.\\d+)*)");
        for (Path dir : dirs) {
            if (!Files.isDirectory(dir)) continue;
            try (Stream<Path> s = Files.list(dir)) {
                Optional<Path> best = s.filter(p -> pattern.matcher(p.getFileName().toString()).matches())
                        .max(Comparator.comparing(p -> version(pattern, p), LibrarySearch::compareVersions));
                if (best.isPresent()) return best;
            } catch (IOException e) {
                // An unreadable directory is the same as an empty one here.
            }
        }
        return Optional.empty();
    }

    static int[] version(Pattern pattern, Path file) {
        Matcher m = pattern.matcher(file.getFileName().toString());
        if (!m.matches() || m.group(1).isEmpty()) return new int[0];
        String[] parts = m.group(1).substring(1).split("\\.");
        int[] v = new int[parts.length];
        for (int i = 0; i < parts.length; i++) v[i] = Integer.parseInt(parts[i]);
        return v;
    }

    /** Numeric, component by component; a longer version wins a tie ({@code 12.8 > 12}). */
    static int compareVersions(int[] a, int[] b) {
        for (int i = 0; i < Math.min(a.length, b.length); i++) {
            if (a[i] != b[i]) return Integer.compare(a[i], b[i]);
        }
        return Integer.compare(a.length, b.length);
    }

    /** The sentence a probe reports when nothing was found. */
    public static String notFound(String name, List<Path> dirs) {
        return "lib" + name + " not found; looked in " + dirs.stream().map(Path::toString).toList()
                + " (set CUDA_HOME or -D" + CudaProvider.NVRTC_PROPERTY + "=/path/to/lib" + name + ".so)";
    }
}
