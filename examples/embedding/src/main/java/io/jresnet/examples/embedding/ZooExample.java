package io.jresnet.examples.embedding;

import io.jresnet.backend.Backend;
import io.jresnet.backend.Backends;
import io.jresnet.backend.CompiledModel;
import io.jresnet.backend.Session;
import io.jresnet.models.Zoo;
import io.jresnet.nn.ResNet;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;

/** A zoo model on the best available backend: the README's first example. */
final class ZooExample {
    private ZooExample() {}

    // readme:begin zoo
    /** ResNet-18 with seeded random weights on one 224x224 image: 1000 logits. */
    static Tensor runResNet18() {
        ResNet net = Zoo.build("resnet18", 42);                 // seeded weights; ModelFiles.load(path) for real ones
        Shape input = Shape.nchw(1, 3, 224, 224);
        try (Backend backend = Backends.create();               // best available: cuda, cpu, opencl, reference
             CompiledModel model = backend.compile(net.plan(input)); // weights packed once, thread-safe
             Session session = model.newSession()) {            // activation buffers: one per thread
            Tensor image = Tensor.uniform(input, -1f, 1f, 7);   // stands in for a preprocessed image
            Tensor logits = session.run(image);                 // [1, 1000], a new tensor
            System.out.println(backend.name() + " on " + backend.device() + ": " + logits);
            return logits;
        }
    }
    // readme:end
}
