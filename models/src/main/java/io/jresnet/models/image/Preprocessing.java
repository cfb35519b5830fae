package io.jresnet.models.image;

import io.jresnet.FormatException;
import io.jresnet.JResnetException;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Turns image files into the NCHW float tensors a network was trained on: decode (JPEG, PNG, BMP,
 * GIF through {@code javax.imageio}), convert to RGB or grayscale, resize the shorter side, crop the
 * centre, scale to [0, 1] and normalise per channel: {@code (x / 255 - mean[c]) / std[c]}.
 *
 * @param name preset name
 * @param resize target length of the shorter side before cropping (0: resize the whole image to the crop)
 * @param crop side of the square centre crop
 * @param mean per-channel mean of [0, 1] pixel values; its length is the channel count (1 or 3)
 * @param std per-channel standard deviation
 */
public record Preprocessing(String name, int resize, int crop, float[] mean, float[] std) {
    /** torchvision's ImageNet "v1" weights: resize 256, centre crop 224. */
    public static final Preprocessing IMAGENET_V1 = new Preprocessing("imagenet", 256, 224,
            new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f});
    /** torchvision's ImageNet "v2" weights (IMAGENET1K_V2): resize 232, centre crop 224. */
    public static final Preprocessing IMAGENET_V2 = new Preprocessing("imagenet-v2", 232, 224,
            new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f});
    /** CIFAR-10 at 32x32 with the training set's channel statistics. */
    public static final Preprocessing CIFAR10 = new Preprocessing("cifar10", 0, 32,
            new float[] {0.4914f, 0.4822f, 0.4465f}, new float[] {0.2470f, 0.2435f, 0.2616f});
    /** Fashion-MNIST: 28x28 grayscale with the training set's statistics. */
    public static final Preprocessing FASHION_MNIST = new Preprocessing("fashion-mnist", 0, 28,
            new float[] {0.2860f}, new float[] {0.3530f});

    /** Checks the sizes and one deviation per mean (1 or 3 channels) and copies the arrays. */
    public Preprocessing {
        if (mean.length != std.length || (mean.length != 1 && mean.length != 3)) {
            throw new JResnetException("preprocessing " + name + ": mean and std must both have 1 or 3 entries");
        }
        if (crop < 1 || resize < 0) throw new JResnetException("preprocessing " + name + ": bad sizes " + resize + "/" + crop);
        mean = mean.clone();
        std = std.clone();
    }

    /**
     * {@return the preset of a name}
     *
     * @param name {@code imagenet} (v1), {@code imagenet-v2}, {@code cifar10} or {@code fashion-mnist}
     * @throws io.jresnet.JResnetException for another name
     */
    public static Preprocessing named(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "imagenet", "imagenet-v1" -> IMAGENET_V1;
            case "imagenet-v2" -> IMAGENET_V2;
            case "cifar10", "cifar" -> CIFAR10;
            case "fashion-mnist", "fashion" -> FASHION_MNIST;
            default -> throw new JResnetException("unknown preprocessing '" + name
                    + "'; known: imagenet (v1), imagenet-v2, cifar10, fashion-mnist");
        };
    }

    /** {@return the channels it produces: 1 (grayscale) or 3 (RGB)} */
    public int channels() {
        return mean.length;
    }

    /**
     * {@return the decoded image}
     *
     * @param file a JPEG, PNG, BMP or GIF file
     * @throws FormatException naming the file when it is missing, unreadable or not a supported image
     */
    public static BufferedImage read(Path file) {
        if (!Files.isRegularFile(file)) throw FormatException.in(file, "no such image file");
        try (InputStream in = Files.newInputStream(file)) {
            return decode(in, file.toString());
        } catch (IOException e) {
            throw new FormatException(file + ": cannot decode image: " + e.getMessage(), e);
        }
    }

    /**
     * {@return the decoded image}
     *
     * @param bytes the contents of a JPEG, PNG, BMP or GIF file (a Spark {@code binaryFile} row, a blob)
     * @param source what the bytes are, for messages: a path or a key
     * @throws FormatException naming {@code source} when the bytes are not a supported image
     */
    public static BufferedImage read(byte[] bytes, String source) {
        if (bytes == null || bytes.length == 0) throw new FormatException(source + ": no image bytes");
        try (InputStream in = new java.io.ByteArrayInputStream(bytes)) {
            return decode(in, source);
        } catch (IOException e) {
            throw new FormatException(source + ": cannot decode image: " + e.getMessage(), e);
        }
    }

    private static BufferedImage decode(InputStream in, String source) throws IOException {
        try {
            BufferedImage img = ImageIO.read(in);
            if (img == null) {
                throw new FormatException(source + ": not an image in a supported format (JPEG, PNG, BMP, GIF)");
            }
            if (img.getWidth() < 1 || img.getHeight() < 1) throw new FormatException(source + ": image has no pixels");
            return img;
        } catch (RuntimeException e) {
            if (e instanceof FormatException fe) throw fe;
            throw new FormatException(source + ": cannot decode image: " + e.getMessage(), e);
        }
    }

    /**
     * {@return one image file as a new {@code [1, C, crop, crop]} tensor}
     *
     * @param file a JPEG, PNG, BMP or GIF file
     */
    public Tensor load(Path file) {
        return apply(read(file));
    }

    /**
     * {@return several image files as one new {@code [N, C, crop, crop]} batch}
     *
     * @param files the files, in batch order
     */
    public Tensor loadBatch(List<Path> files) {
        return applyBatch(files.stream().map(Preprocessing::read).toList());
    }

    /**
     * {@return several decoded images as one new {@code [N, C, crop, crop]} batch}
     *
     * @param images the images, in batch order
     */
    public Tensor applyBatch(List<BufferedImage> images) {
        Tensor batch = Tensor.zeros(Shape.nchw(images.size(), channels(), crop, crop));
        int item = channels() * crop * crop;
        for (int i = 0; i < images.size(); i++) {
            System.arraycopy(apply(images.get(i)).array(), 0, batch.array(), i * item, item);
        }
        return batch;
    }

    /**
     * {@return a decoded image resized, cropped and normalised into a new {@code [1, C, crop, crop]} tensor}
     *
     * @param image the image, of any size
     */
    public Tensor apply(BufferedImage image) {
        float[][] planes = toPlanes(image, channels());
        int w = image.getWidth(), h = image.getHeight();
        int newW, newH;
        if (resize == 0) {
            newW = crop;
            newH = crop;
        } else if (w <= h) { // the shorter side becomes `resize`, keeping the aspect ratio (as torchvision)
            newW = resize;
            newH = Math.max(1, (int) ((long) resize * h / w));
        } else {
            newH = resize;
            newW = Math.max(1, (int) ((long) resize * w / h));
        }
        Tensor out = Tensor.zeros(1, channels(), crop, crop);
        int top = Math.round((newH - crop) / 2f), left = Math.round((newW - crop) / 2f);
        for (int c = 0; c < channels(); c++) {
            float[] resized = Resampling.bilinear(planes[c], w, h, newW, newH);
            for (int y = 0; y < crop; y++) {
                for (int x = 0; x < crop; x++) {
                    int sy = y + top, sx = x + left;
                    // A crop larger than the resized image is zero-padded, as torchvision's CenterCrop.
                    float v = (sy >= 0 && sy < newH && sx >= 0 && sx < newW) ? resized[sy * newW + sx] / 255f : 0f;
                    out.array()[(c * crop + y) * crop + x] = (v - mean[c]) / std[c];
                }
            }
        }
        return out;
    }

    /**
     * Pixel values 0..255 as one plane per channel. Alpha is dropped (as PIL's {@code convert("RGB")});
     * grayscale images give three equal planes; for one channel, RGB becomes ITU-R 601-2 luma
     * {@code L = 0.299 R + 0.587 G + 0.114 B} (PIL's {@code convert("L")}).
     */
    static float[][] toPlanes(BufferedImage image, int channels) {
        int w = image.getWidth(), h = image.getHeight();
        int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
        float[][] planes = new float[channels][w * h];
        boolean gray = image.getColorModel().getNumColorComponents() == 1;
        for (int i = 0; i < argb.length; i++) {
            int r = (argb[i] >> 16) & 0xff, g = (argb[i] >> 8) & 0xff, b = argb[i] & 0xff;
            if (channels == 3) {
                planes[0][i] = r;
                planes[1][i] = g;
                planes[2][i] = b;
            } else {
                planes[0][i] = gray ? r : (r * 299 + g * 587 + b * 114) / 1000f;
            }
        }
        if (gray) {
            // getRGB maps gray through the sRGB curve; read the stored gray levels instead.
            var raster = image.getRaster();
            if (raster.getNumBands() >= 1 && image.getColorModel().getComponentSize(0) == 8) {
                int[] levels = raster.getSamples(0, 0, w, h, 0, (int[]) null);
                for (int c = 0; c < channels; c++) for (int i = 0; i < levels.length; i++) planes[c][i] = levels[i];
            }
        }
        return planes;
    }
}
