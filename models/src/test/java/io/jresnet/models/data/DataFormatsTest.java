package io.jresnet.models.data;

import io.jresnet.train.data.Dataset;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jresnet.FormatException;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** IDX and CIFAR-10 binary files: round trips, and every kind of bad file named in the error. */
class DataFormatsTest {
    @TempDir
    Path dir;

    private static byte[] idx(int magic, int[] dims, byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(magic);
        for (int d : dims) out.writeInt(d);
        out.write(data);
        return bytes.toByteArray();
    }

    private Path write(String name, byte[] content, boolean gzip) throws IOException {
        Path p = dir.resolve(name);
        try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(p)) : Files.newOutputStream(p)) {
            out.write(content);
        }
        return p;
    }

    /** Three 2x3 images with pixel values 10*i + j, labels 7, 0, 9. */
    private Path[] threeImages(boolean gzip) throws IOException {
        byte[] px = new byte[18];
        for (int i = 0; i < 3; i++) for (int j = 0; j < 6; j++) px[i * 6 + j] = (byte) (10 * i + j + 200);
        return new Path[] {
            write("images" + (gzip ? ".gz" : ""), idx(Idx.IMAGES_MAGIC, new int[] {3, 2, 3}, px), gzip),
            write("labels" + (gzip ? ".gz" : ""), idx(Idx.LABELS_MAGIC, new int[] {3}, new byte[] {7, 0, 9}), gzip)};
    }

    @Test
    void idxPlainAndGzippedReadTheSame() throws IOException {
        for (boolean gzip : new boolean[] {false, true}) {
            Path[] f = threeImages(gzip);
            Dataset d = Idx.read(f[0], f[1], "tiny", 10);
            assertEquals(3, d.size());
            assertEquals(1, d.channels());
            assertEquals(2, d.height());
            assertEquals(3, d.width());
            assertEquals(9, d.label(2));
            assertEquals(200 + 20 + 5, d.pixel(2, 0, 1, 2)); // unsigned bytes
            assertArrayEquals(new int[] {1, 0, 0, 0, 0, 0, 0, 1, 0, 1}, d.classCounts());
        }
    }

    private void assertFormatError(Path named, Runnable read, String containing) {
        FormatException e = assertThrows(FormatException.class, read::run);
        assertTrue(e.getMessage().startsWith(named.toString()), "names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(containing), e.getMessage());
    }

    @Test
    void wrongMagicIsNamed() throws IOException {
        Path[] f = threeImages(false);
        assertFormatError(f[1], () -> Idx.read(f[1], f[1], "x", 10), "magic 0x00000801, expected 0x00000803");
        assertFormatError(f[0], () -> Idx.readLabels(f[0]), "not an IDX labels file");
    }

    @Test
    void truncatedFilesAreNamed() throws IOException {
        Path[] f = threeImages(false);
        byte[] full = Files.readAllBytes(f[0]);
        Path cutData = write("cut", java.util.Arrays.copyOf(full, full.length - 1), false);
        assertFormatError(cutData, () -> Idx.readImages(cutData), "promises 18 data bytes, the file has 17");
        Path cutHeader = write("cut-header", java.util.Arrays.copyOf(full, 10), false);
        assertFormatError(cutHeader, () -> Idx.readImages(cutHeader), "truncated inside the header");
        byte[] gz = Files.readAllBytes(threeImages(true)[0]);
        Path cutGzip = write("cut.gz", java.util.Arrays.copyOf(gz, gz.length - 12), false); // drops the gzip trailer
        assertFormatError(cutGzip, () -> Idx.readImages(cutGzip), "compressed stream ends");
    }

    @Test
    void labelAndImageCountsMustMatch() throws IOException {
        Path[] f = threeImages(false);
        Path two = write("two-labels", idx(Idx.LABELS_MAGIC, new int[] {2}, new byte[] {1, 2}), false);
        assertFormatError(two, () -> Idx.read(f[0], two, "x", 10), "2 labels for the 3 images");
    }

    @Test
    void absurdDimensionsAreRejectedBeforeAllocating() throws IOException {
        for (int[] dims : new int[][] {{3, 0, 3}, {3, 2, -1}, {-1, 2, 3}, {3, 100_000, 3}, {1 << 20, 1 << 12, 1 << 12}}) {
            Path p = write("absurd", idx(Idx.IMAGES_MAGIC, dims, new byte[18]), false);
            assertFormatError(p, () -> Idx.readImages(p), "absurd image dimensions");
        }
        // a header that claims a lot more data than there is: truncated, without a huge allocation
        Path big = write("liar", idx(Idx.IMAGES_MAGIC, new int[] {1 << 16, 128, 128}, new byte[18]), false);
        assertFormatError(big, () -> Idx.readImages(big), "truncated");
    }

    @Test
    void trailingBytesAndOutOfRangeLabelsAreErrors() throws IOException {
        Path[] f = threeImages(false);
        Path extra = write("extra", idx(Idx.LABELS_MAGIC, new int[] {3}, new byte[] {1, 2, 3, 4}), false);
        assertFormatError(extra, () -> Idx.readLabels(extra), "data after the 3 bytes");
        Path big = write("label-12", idx(Idx.LABELS_MAGIC, new int[] {3}, new byte[] {1, 12, 3}), false);
        assertFormatError(big, () -> Idx.read(f[0], big, "x", 10), "label 12 of item 1");
    }

    @Test
    void missingFilesInADirectoryAreNamed() {
        assertFormatError(dir, () -> Idx.fromDirectory(dir, true), "train-images-idx3-ubyte");
    }

    private static byte[] cifarRecords(int n, int badLabelAt) {
        byte[] b = new byte[n * Cifar10.RECORD];
        for (int r = 0; r < n; r++) {
            b[r * Cifar10.RECORD] = (byte) (r == badLabelAt ? 10 : r % 10);
            for (int i = 1; i < Cifar10.RECORD; i++) b[r * Cifar10.RECORD + i] = (byte) (r + i);
        }
        return b;
    }

    @Test
    void cifarBinaryRoundTripAcrossFiles() throws IOException {
        Path a = write("data_batch_1.bin", cifarRecords(2, -1), false);
        Path b = write("data_batch_2.bin", cifarRecords(3, -1), false);
        Dataset d = Cifar10.read(List.of(a, b), "cifar");
        assertEquals(5, d.size());
        assertEquals(3, d.channels());
        assertEquals(2, d.label(4)); // record 2 of the second file
        // record 1 of file 1: byte 1 + (c*1024 + y*32 + x) holds (1 + 1 + c*1024 + y*32 + x) mod 256
        assertEquals((2 + 1024 + 5 * 32 + 7) & 0xff, d.pixel(1, 1, 5, 7));
    }

    @Test
    void cifarBadSizesAndLabelsAreNamed() throws IOException {
        byte[] ok = cifarRecords(2, -1);
        Path cut = write("cut.bin", java.util.Arrays.copyOf(ok, ok.length - 5), false);
        assertFormatError(cut, () -> Cifar10.read(List.of(cut), "c"), "not a positive multiple of the 3073-byte");
        Path empty = write("empty.bin", new byte[0], false);
        assertFormatError(empty, () -> Cifar10.read(List.of(empty), "c"), "size 0");
        Path label = write("label.bin", cifarRecords(3, 1), false);
        assertFormatError(label, () -> Cifar10.read(List.of(label), "c"), "record 1 has label 10");
        assertFormatError(dir.resolve("test_batch.bin"), () -> Cifar10.fromDirectory(dir, false), "missing");
    }
}
