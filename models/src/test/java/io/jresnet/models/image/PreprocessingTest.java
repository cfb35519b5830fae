package io.jresnet.models.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jresnet.FormatException;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PreprocessingTest {
    @TempDir
    Path dir;

    private static BufferedImage solid(int w, int h, int type, Color c) {
        BufferedImage img = new BufferedImage(w, h, type);
        Graphics2D g = img.createGraphics();
        g.setColor(c);
        g.fillRect(0, 0, w, h);
        g.dispose();
        return img;
    }

    private Path save(BufferedImage img, String format) throws Exception {
        Path f = dir.resolve("img." + format);
        assertTrue(ImageIO.write(img, format, f.toFile()), "no writer for " + format);
        return f;
    }

    @Test
    void solidColourNormalisesExactlyInEveryFormat() throws Exception {
        for (String format : List.of("png", "bmp")) {
            Tensor t = Preprocessing.IMAGENET_V1.load(save(solid(300, 260, BufferedImage.TYPE_INT_RGB,
                    new Color(255, 0, 128)), format));
            assertEquals(Shape.nchw(1, 3, 224, 224), t.shape());
            assertEquals((1f - 0.485f) / 0.229f, t.get(0, 0, 100, 7), 1e-4f);
            assertEquals((0f - 0.456f) / 0.224f, t.get(0, 1, 223, 223), 1e-4f);
            assertEquals((128 / 255f - 0.406f) / 0.225f, t.get(0, 2, 0, 0), 1e-4f);
        }
        // JPEG is lossy: close, not exact
        Tensor j = Preprocessing.IMAGENET_V2.load(save(solid(64, 64, BufferedImage.TYPE_INT_RGB, Color.WHITE), "jpg"));
        assertEquals((1f - 0.485f) / 0.229f, j.get(0, 0, 112, 112), 0.02f);
    }

    @Test
    void centreCropKeepsTheMiddle() {
        // 512 wide x 256 high: left quarter red, rest blue. Resize to 512x256 (shorter side 256), crop the centre
        // 224: columns 144..367 of the resized image, all blue.
        BufferedImage img = solid(512, 256, BufferedImage.TYPE_INT_RGB, Color.BLUE);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.RED);
        g.fillRect(0, 0, 128, 256);
        g.dispose();
        Tensor t = Preprocessing.IMAGENET_V1.apply(img);
        assertEquals((0f - 0.485f) / 0.229f, t.get(0, 0, 100, 0), 1e-4f);
        assertEquals((1f - 0.406f) / 0.225f, t.get(0, 2, 100, 223), 1e-4f);
    }

    @Test
    void downscalingAveragesInsteadOfAliasing() {
        // A one-pixel checkerboard shrunk 8x must come out mid-grey, not black or white.
        BufferedImage img = new BufferedImage(256, 256, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 256; y++) for (int x = 0; x < 256; x++) img.setRGB(x, y, ((x + y) & 1) == 0 ? 0xffffff : 0);
        Preprocessing p = new Preprocessing("test", 0, 32, new float[] {0, 0, 0}, new float[] {1, 1, 1});
        Tensor t = p.apply(img);
        for (int i = 0; i < t.size(); i++) assertEquals(0.5f, t.array()[i], 0.02f);
    }

    @Test
    void grayscaleAndAlphaImages() throws Exception {
        BufferedImage gray = solid(40, 40, BufferedImage.TYPE_BYTE_GRAY, new Color(100, 100, 100));
        Tensor rgb = Preprocessing.CIFAR10.load(save(gray, "png"));
        assertEquals(Shape.nchw(1, 3, 32, 32), rgb.shape());
        assertEquals((100 / 255f - 0.4914f) / 0.2470f, rgb.get(0, 0, 5, 5), 1e-3f);
        assertEquals((100 / 255f - 0.4822f) / 0.2435f, rgb.get(0, 1, 5, 5), 1e-3f);
        Tensor one = Preprocessing.FASHION_MNIST.apply(gray);
        assertEquals(Shape.nchw(1, 1, 28, 28), one.shape());
        assertEquals((100 / 255f - 0.2860f) / 0.3530f, one.get(0, 0, 3, 3), 1e-3f);

        BufferedImage alpha = new BufferedImage(10, 10, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < 10; y++) for (int x = 0; x < 10; x++) alpha.setRGB(x, y, 0x20ff0000); // faint red
        Tensor a = Preprocessing.CIFAR10.load(save(alpha, "png"));
        assertEquals((1f - 0.4914f) / 0.2470f, a.get(0, 0, 16, 16), 1e-4f); // alpha dropped, colour kept
    }

    @Test
    void unreadableFilesNameTheFile() throws Exception {
        Path junk = dir.resolve("junk.jpg");
        Files.write(junk, new byte[] {1, 2, 3, 4, 5});
        FormatException e = assertThrows(FormatException.class, () -> Preprocessing.IMAGENET_V1.load(junk));
        assertTrue(e.getMessage().contains("junk.jpg"), e.getMessage());
        Path png = save(solid(50, 50, BufferedImage.TYPE_INT_RGB, Color.RED), "png");
        byte[] bytes = Files.readAllBytes(png);
        Path truncated = dir.resolve("truncated.png");
        Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertThrows(FormatException.class, () -> Preprocessing.IMAGENET_V1.load(truncated));
        assertThrows(FormatException.class, () -> Preprocessing.IMAGENET_V1.load(dir.resolve("missing.png")));
    }

    @Test
    void builtInLabels() {
        List<String> imagenet = Labels.load("imagenet");
        assertEquals(1000, imagenet.size());
        assertEquals("tench", imagenet.get(0));
        assertEquals("tabby", imagenet.get(281));
        assertEquals("toilet tissue", imagenet.get(999));
        assertEquals(10, Labels.load("fashion-mnist").size());
        assertEquals("Ankle boot", Labels.load("fashion-mnist").get(9));
        assertThrows(FormatException.class, () -> Labels.load(dir.resolve("none.txt").toString()));
    }
}
