package io.jresnet.gpu.cuda;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;

/**
 * PTX compiled by NVRTC, kept on disk so a process compiles the kernels once per device, driver and
 * compiler: {@code <cache>/ptx/<device>-sm<cc>-<hash>.ptx}, where the hash covers the source, the
 * options, the NVRTC and driver versions and the device. A stale or corrupt file is simply
 * overwritten (see {@link CudaRuntime}); writes go through a temporary file and an atomic rename so a
 * concurrent process never reads half a file.
 */
public final class PtxCache {
    public static final String DIR_PROPERTY = "jresnet.cache.dir";

    private final Path dir;

    public PtxCache(Path dir) {
        this.dir = dir;
    }

    /** {@code -Djresnet.cache.dir}, else {@code $XDG_CACHE_HOME/jresnet}, else {@code ~/.cache/jresnet}. */
    public static Path defaultDirectory(Map<String, String> env, String userHome, String property) {
        if (property != null && !property.isBlank()) return Path.of(property);
        String xdg = env.get("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) return Path.of(xdg, "jresnet");
        return Path.of(userHome, ".cache", "jresnet");
    }

    /** What the compiled PTX depends on. */
    public record Key(String source, String options, String nvrtcVersion, int driverVersion, String deviceName,
                      int computeMajor, int computeMinor) {
        /** SHA-256 over every field, hex: the same inputs give the same name, any change another. */
        public String hash() {
            try {
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                for (String part : new String[] {source, options, nvrtcVersion, Integer.toString(driverVersion),
                        deviceName, computeMajor + "." + computeMinor}) {
                    byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
                    // Length-prefixed, so ("ab", "c") and ("a", "bc") differ.
                    md.update(Integer.toString(bytes.length).getBytes(StandardCharsets.UTF_8));
                    md.update((byte) ':');
                    md.update(bytes);
                }
                return HexFormat.of().formatHex(md.digest());
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is required of every JDK", e);
            }
        }

        /** A file name that says what it is: {@code nvidia-h200-sm90-<first 16 hex digits>.ptx}. */
        public String fileName() {
            String device = deviceName.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "-")
                    .replaceAll("(^-|-$)", "");
            return device + "-sm" + computeMajor + computeMinor + "-" + hash().substring(0, 16) + ".ptx";
        }
    }

    public Path path(Key key) {
        return dir.resolve("ptx").resolve(key.fileName());
    }

    /** The cached PTX, or empty when absent or unreadable. */
    public Optional<byte[]> load(Key key) {
        try {
            return Optional.of(Files.readAllBytes(path(key)));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Stores the PTX; a cache that cannot be written is not an error (the next process compiles again). */
    public boolean store(Key key, byte[] ptx) {
        Path target = path(key);
        try {
            Files.createDirectories(target.getParent());
            Path tmp = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".tmp");
            Files.write(tmp, ptx);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
