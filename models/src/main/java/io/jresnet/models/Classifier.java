package io.jresnet.models;

import io.jresnet.JResnetException;
import io.jresnet.backend.Backend;
import io.jresnet.backend.Backends;
import io.jresnet.backend.CompiledModel;
import io.jresnet.backend.Session;

import io.jresnet.models.image.Labels;
import io.jresnet.models.image.Preprocessing;
import io.jresnet.models.io.ModelFiles;
import io.jresnet.models.onnx.OnnxImporter;
import io.jresnet.models.onnx.OnnxModel;
import io.jresnet.nn.ResNet;
import io.jresnet.nn.ResNetSpec;
import io.jresnet.plan.Graph;
import io.jresnet.plan.Op;
import io.jresnet.plan.Plan;
import io.jresnet.plan.Planner;
import io.jresnet.reference.ReferenceKernels;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * Image files in, labelled probabilities out: preprocessing, a compiled model on a backend, softmax and
 * top-k in one object. It compiles the model once, for the batch of its first call, and runs other
 * batch sizes in chunks of that one. Not thread-safe (it owns its session): use one per thread.
 * Close it to free the compiled model and session (and the backend, when it owns that).
 */
public final class Classifier implements AutoCloseable {
    /**
     * One ranked answer.
     *
     * @param index the class index
     * @param label the class name ({@code class N} when the classifier has no names)
     * @param probability the softmax probability, in [0, 1]
     */
    public record Prediction(int index, String label, float probability) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%6.2f%%  %s (%d)", 100 * probability, label, index);
        }
    }

    private final Function<Shape, Graph> graphs;
    private final Preprocessing preprocessing;
    private final List<String> labels;
    private final Backend backend;
    private final boolean ownsBackend;
    /** The whole network, and (made on first use) the network up to its classifier layer. */
    private final Runner network;
    private Runner features;
    /** The last linear layer of the graph {@link #features} was compiled from: applied on the host. */
    private Op.Linear featureHead;

    /**
     * One graph on the backend: one compiled model, planned for the batch of the first call, and its
     * session. Larger batches run in chunks of that size, smaller ones (the last chunk of a folder) as
     * a part of it: the weights are packed once whatever batches come.
     */
    private final class Runner {
        private final Function<Shape, Graph> graphOf;
        private CompiledModel compiled;
        private Session session;
        /** Whether the compiled graph already ends in a softmax (an imported ONNX model may). */
        private boolean endsInSoftmax;

        Runner(Function<Shape, Graph> graphOf) {
            this.graphOf = graphOf;
        }

        Tensor run(Tensor batch) {
            int n = batch.shape().dim(0);
            if (compiled == null || !compiled.inputShape().withBatch(n).equals(batch.shape())) {
                close();
                compiled = backend.compile(plan(batch.shape()));
                session = compiled.newSession();
            }
            int planned = compiled.inputShape().dim(0), imageSize = batch.size() / n;
            Tensor out = Tensor.zeros(compiled.outputShape().withBatch(n));
            int perImage = out.size() / n;
            for (int from = 0; from < n; from += planned) {
                int count = Math.min(planned, n - from);
                Tensor part = session.run(Tensor.wrap(batch.array(), batch.offset() + from * imageSize,
                        batch.shape().withBatch(count)));
                System.arraycopy(part.array(), part.offset(), out.array(), from * perImage, count * perImage);
            }
            return out;
        }

        /**
         * The plan for {@code shape}, made in a frame of its own so that the graph (a copy of the
         * weights) is garbage before the backend packs the plan's; compiled once, so the backend may drop
         * each op's weights as it packs them.
         */
        private Plan plan(Shape shape) {
            Graph g = graphOf.apply(shape);
            endsInSoftmax = !g.ops().isEmpty() && g.ops().getLast() instanceof Op.Softmax;
            return Planner.plan(g).forOneCompile();
        }

        void close() {
            if (session != null) {
                session.close();
                compiled.close();
                session = null;
                compiled = null;
            }
        }
    }

    /**
     * A classification with the features it was made from.
     *
     * @param top the most probable classes, most probable first
     * @param embedding the input of the network's last linear layer (for a ResNet, the globally pooled
     *     features of the last stage: 512 or 2048 values for ImageNet nets, 64 for the CIFAR ones)
     */
    public record Embedded(List<Prediction> top, float[] embedding) {}

    /**
     * A classifier of your own making; {@link #open} makes one from a file.
     *
     * @param graphs the model's graph for an input shape
     * @param preprocessing how image files become the model's input
     * @param labels class names; an empty list numbers the classes
     * @param backend where to run; closed with the classifier only if {@code ownsBackend}
     * @param ownsBackend whether {@link #close()} closes the backend too
     */
    public Classifier(Function<Shape, Graph> graphs, Preprocessing preprocessing, List<String> labels, Backend backend,
                      boolean ownsBackend) {
        this.graphs = graphs;
        this.preprocessing = preprocessing;
        this.labels = List.copyOf(labels);
        this.backend = backend;
        this.ownsBackend = ownsBackend;
        this.network = new Runner(graphs);
    }

    /**
     * Opens an {@code .onnx} or {@code .safetensors} model on the best available backend, with the
     * preprocessing and labels its input and class count suggest (ImageNet for 1000 classes at 224,
     * CIFAR-10 or Fashion-MNIST for 10 classes with 3 or 1 channels). The classifier owns that backend
     * and closes it.
     *
     * @param modelFile an {@code .onnx} or {@code .safetensors} file
     * @return the classifier, for the caller to close
     * @throws io.jresnet.FormatException naming the file if it is not a model jresnet reads
     * @throws IOException if it cannot be read
     */
    public static Classifier open(Path modelFile) throws IOException {
        String name = modelFile.getFileName().toString().toLowerCase(Locale.ROOT);
        Function<Shape, Graph> graphs;
        int channels, size;
        if (name.endsWith(".onnx")) {
            OnnxModel m = OnnxImporter.load(modelFile);
            channels = m.imageChannels();
            size = m.imageSize();
            graphs = m::toGraph;
        } else {
            return of(ModelFiles.load(modelFile), Backends.create(), true);
        }
        return of(graphs, channels, size, Backends.create(), true);
    }

    /**
     * A classifier of a network built in code (or loaded by {@link ModelFiles}), with the
     * preprocessing and labels {@link #open} would give it.
     *
     * @param net the network, in eval mode
     * @param backend where to run
     * @param ownsBackend whether {@link #close()} closes the backend too
     * @return the classifier, for the caller to close
     */
    public static Classifier of(ResNet net, Backend backend, boolean ownsBackend) {
        return of(net::toGraph, net.spec().inChannels(), net.spec().stem() == ResNetSpec.Stem.IMAGENET ? 224 : 32,
                backend, ownsBackend);
    }

    private static Classifier of(Function<Shape, Graph> graphs, int channels, int size, Backend backend,
                                 boolean ownsBackend) {
        Preprocessing pre = defaultPreprocessing(channels, size);
        int classes = graphs.apply(Shape.nchw(1, channels, pre.crop(), pre.crop())).outputShape().dim(1);
        return new Classifier(graphs, pre, defaultLabels(channels, classes), backend, ownsBackend);
    }

    /**
     * {@return ImageNet (v1) at 224 and up, Fashion-MNIST for one channel, CIFAR-10 otherwise}
     *
     * @param channels the model's input channels
     * @param inputSize the model's input side in pixels
     */
    public static Preprocessing defaultPreprocessing(int channels, int inputSize) {
        if (channels == 1) return Preprocessing.FASHION_MNIST;
        return inputSize >= 224 ? Preprocessing.IMAGENET_V1 : Preprocessing.CIFAR10;
    }

    /**
     * {@return ImageNet's names for 1000 classes, CIFAR-10's or Fashion-MNIST's for 10, else none (numbered)}
     *
     * @param channels the model's input channels (1 picks Fashion-MNIST's names)
     * @param classes the model's classes
     */
    public static List<String> defaultLabels(int channels, int classes) {
        if (classes == 1000) return Labels.load("imagenet");
        if (classes == 10) return Labels.load(channels == 1 ? "fashion-mnist" : "cifar10");
        return List.of();
    }

    /** {@return how this classifier resizes, crops and normalises an image} */
    public Preprocessing preprocessing() {
        return preprocessing;
    }

    /** {@return the backend it runs on} */
    public Backend backend() {
        return backend;
    }

    /**
     * {@return the top {@code k} predictions for one image file, most probable first}
     *
     * @param image a JPEG, PNG, BMP or GIF file
     * @param k how many
     * @throws io.jresnet.FormatException naming the file if it cannot be decoded
     */
    public List<Prediction> classify(Path image, int k) {
        return classify(List.of(image), k).get(0);
    }

    /**
     * {@return the top {@code k} predictions for each image file, most probable first}
     *
     * @param images JPEG, PNG, BMP or GIF files, run as one batch
     * @param k how many per image, at least 1
     */
    public List<List<Prediction>> classify(List<Path> images, int k) {
        if (k < 1) throw new JResnetException("k must be at least 1, found " + k);
        if (images.isEmpty()) return List.of();
        return classifyBatch(preprocessing.loadBatch(images), k);
    }

    /**
     * {@return the top {@code k} predictions for each decoded image (resized and normalised by this
     * classifier's preprocessing)}
     *
     * @param images the images, run as one batch
     * @param k how many per image, at least 1
     */
    public List<List<Prediction>> classifyImages(List<BufferedImage> images, int k) {
        if (k < 1) throw new JResnetException("k must be at least 1, found " + k);
        if (images.isEmpty()) return List.of();
        return classifyBatch(preprocessing.applyBatch(images), k);
    }

    /**
     * {@return the top {@code k} predictions for each image of an already preprocessed batch}
     *
     * @param batch {@code [n, C, H, W]}, as {@link #preprocessing()} makes it
     * @param k how many per image, at least 1
     */
    public List<List<Prediction>> classifyPreprocessed(Tensor batch, int k) {
        if (k < 1) throw new JResnetException("k must be at least 1, found " + k);
        return classifyBatch(batch, k);
    }

    private List<List<Prediction>> classifyBatch(Tensor batch, int k) {
        Tensor out = network.run(batch);
        int n = batch.shape().dim(0);
        // A network that ends in its own softmax gives probabilities already; another one would flatten them.
        return network.endsInSoftmax ? top(out.array(), out.offset(), n, out.size() / n, k)
                : predictions(out.array(), out.offset(), n, out.size() / n, k);
    }

    /**
     * {@return the top {@code k} predictions and the embedding of each image of a preprocessed batch}
     * The network runs once, up to its last linear layer; that layer and the softmax are applied here,
     * in double precision, to the features it returns.
     *
     * @param batch {@code [n, C, H, W]}, as {@link #preprocessing()} makes it
     * @param k how many per image, at least 1
     * @throws JResnetException if the network does not end in a linear layer (then it has no embedding)
     */
    public List<Embedded> classifyWithEmbeddings(Tensor batch, int k) {
        if (k < 1) throw new JResnetException("k must be at least 1, found " + k);
        // The graph is built (and its head found) only when the features runner compiles, not per batch.
        if (features == null) features = new Runner(shape -> {
            Graph g = graphs.apply(shape);
            featureHead = head(g);
            return g.upTo(featureHead.input());
        });
        Tensor f = features.run(batch);
        Op.Linear head = featureHead;
        int n = batch.shape().dim(0), width = f.size() / n, classes = head.outFeatures();
        if (width != head.inFeatures()) {
            throw new JResnetException("the classifier layer reads " + head.inFeatures() + " features, the network gives "
                    + width);
        }
        float[] logits = new float[n * classes];
        ReferenceKernels.linear(f.array(), f.offset(), n, width, head.weight().array(), head.weight().offset(), classes,
                head.bias().array(), head.bias().offset(), logits, 0, false);
        List<List<Prediction>> top = predictions(logits, 0, n, classes, k);
        List<Embedded> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new Embedded(top.get(i), java.util.Arrays.copyOfRange(f.array(), f.offset() + i * width,
                    f.offset() + (i + 1) * width)));
        }
        return out;
    }

    /** The network's last linear layer, after which only reshapes and a softmax may follow. */
    private static Op.Linear head(Graph g) {
        List<Op> ops = g.ops();
        for (int i = ops.size() - 1; i >= 0; i--) {
            switch (ops.get(i)) {
                case Op.Linear l -> {
                    return l;
                }
                case Op.Reshape r -> { }
                case Op.Softmax s -> { }
                default -> throw new JResnetException("the network ends in " + ops.get(i).name()
                        + ", not a linear layer, so it has no embedding to give");
            }
        }
        throw new JResnetException("the network has no linear layer, so it has no embedding to give");
    }

    /** The top {@code k} of the softmax of each row of {@code [n, classes]} logits. */
    private List<List<Prediction>> predictions(float[] logits, int offset, int n, int classes, int k) {
        float[] probs = new float[n * classes];
        ReferenceKernels.softmax(logits, offset, n, classes, probs, 0);
        return top(probs, 0, n, classes, k);
    }

    /** The top {@code k} of each row of {@code [n, classes]} probabilities. */
    private List<List<Prediction>> top(float[] probabilities, int offset, int n, int classes, int k) {
        if (!labels.isEmpty() && labels.size() < classes) {
            throw new JResnetException("label list has " + labels.size() + " names, the model has " + classes + " classes");
        }
        float[] probs = offset == 0 ? probabilities : java.util.Arrays.copyOfRange(probabilities, offset, offset + n * classes);
        List<List<Prediction>> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int base = i * classes;
            all.add(IntStream.range(0, classes).boxed()
                    .sorted(Comparator.comparingDouble((Integer c) -> -probs[base + c])).limit(k)
                    .map(c -> new Prediction(c, labels.isEmpty() ? "class " + c : labels.get(c), probs[base + c]))
                    .toList());
        }
        return all;
    }

    /** Closes the session and compiled model, and the backend when this classifier owns it. */
    @Override
    public void close() {
        close(ownsBackend);
    }

    private void close(boolean alsoBackend) {
        network.close();
        if (features != null) features.close();
        if (alsoBackend) backend.close();
    }
}
