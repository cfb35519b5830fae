package io.jresnet.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jresnet.FormatException;
import io.jresnet.JResnetException;
import io.jresnet.models.io.ModelFiles;
import io.jresnet.nn.ResNet;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * The model that ships inside the models jar: a ResNet-20 (CIFAR layout, option-A shortcuts, one
 * input channel) trained with {@code jresnet train} on Fashion-MNIST, with ten of the data set's
 * test images (the first of each class) to try it on. {@code about.json} next to the weights records
 * how it was trained and its measured test accuracy; the tests check both the accuracy and that
 * each sample is the test image it claims to be.
 */
public final class BuiltinModel {
    /** Class-path resource of the weights (safetensors, architecture in the metadata). */
    public static final String WEIGHTS = "io/jresnet/models/builtin/fashion-resnet20.safetensors";
    /** Class-path resource of the training record: data, command, date, machine, test accuracy. */
    public static final String ABOUT = "io/jresnet/models/builtin/fashion-resnet20.json";
    /** Class-path folder of the sample images and their index {@code samples.csv}. */
    public static final String SAMPLES = "io/jresnet/models/builtin/samples/";
    /** The data set the model was trained on (as {@code --data} names it). */
    public static final String DATA = "fashion-mnist";

    private BuiltinModel() {}

    /**
     * A shipped sample image.
     *
     * @param file its file name under {@link #SAMPLES}
     * @param testIndex its position in Fashion-MNIST's test set (t10k)
     * @param label its true class (0..9)
     * @param image the 28x28 8-bit grayscale image
     */
    public record Sample(String file, int testIndex, int label, BufferedImage image) {}

    /** {@return whether the weights are on the class path (or in this module, on the module path)} */
    public static boolean available() {
        return BuiltinModel.class.getResource("/" + WEIGHTS) != null;
    }

    /**
     * {@return the trained network, in eval mode: input {@code [N, 1, 28, 28]} normalised as
     * {@code Preprocessing.FASHION_MNIST}, output the logits of the 10 Fashion-MNIST classes}
     *
     * @throws io.jresnet.JResnetException if the weights are not on the path
     * @throws IOException if they cannot be read
     */
    public static ResNet load() throws IOException {
        try (InputStream in = open(WEIGHTS)) {
            // ModelFiles reads files (it maps them); the resource may sit inside a jar.
            Path tmp = Files.createTempFile("jresnet-builtin-", ".safetensors");
            try {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                return ModelFiles.load(tmp);
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /**
     * {@return the training record ({@code about.json}): at least {@code test_accuracy} and {@code test_samples}}
     *
     * @throws IOException if it cannot be read
     */
    public static JsonNode about() throws IOException {
        try (InputStream in = open(ABOUT)) {
            return new ObjectMapper().readTree(in);
        }
    }

    /**
     * {@return the shipped sample images, in the order of {@code samples.csv}}
     *
     * @throws IOException if they cannot be read
     */
    public static List<Sample> samples() throws IOException {
        List<Sample> samples = new ArrayList<>();
        try (BufferedReader index = new BufferedReader(new InputStreamReader(open(SAMPLES + "samples.csv"),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = index.readLine()) != null) {
                if (line.isBlank() || line.startsWith("#")) continue;
                String[] f = line.split(",");
                if (f.length != 3) throw new FormatException(SAMPLES + "samples.csv: bad line '" + line + "'");
                BufferedImage image;
                try (InputStream in = open(SAMPLES + f[0])) {
                    image = ImageIO.read(in);
                }
                if (image == null) throw new FormatException(SAMPLES + f[0] + ": not a PNG image");
                samples.add(new Sample(f[0], Integer.parseInt(f[1]), Integer.parseInt(f[2]), image));
            }
        }
        return samples;
    }

    private static InputStream open(String resource) {
        // Class.getResourceAsStream, not the class loader's: on the module path the resources are
        // this module's own, and encapsulated from every other caller.
        InputStream in = BuiltinModel.class.getResourceAsStream("/" + resource);
        if (in == null) {
            throw new JResnetException("the built-in model is not on the class path (" + resource + " is missing);"
                    + " pass --model FILE, e.g. the model.safetensors that 'jresnet train' writes");
        }
        return in;
    }
}
