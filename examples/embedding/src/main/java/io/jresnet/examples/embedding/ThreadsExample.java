package io.jresnet.examples.embedding;

import io.jresnet.backend.Backend;
import io.jresnet.backend.Backends;
import io.jresnet.backend.CompiledModel;
import io.jresnet.backend.Session;
import io.jresnet.nn.ResNet;
import io.jresnet.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** One compiled model served by several threads: the README's third example. */
final class ThreadsExample {
    private ThreadsExample() {}

    // readme:begin threads
    /** The logits of every image, computed by {@code threads} threads that share one compiled model. */
    static Tensor[] runOnThreads(ResNet net, Tensor[] images, int threads) throws Exception {
        Tensor[] logits = new Tensor[images.length];
        try (Backend backend = Backends.create();
             CompiledModel model = backend.compile(net.plan(images[0].shape())); // shared by every thread
             ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int first = t;
                workers.add(pool.submit(() -> {
                    try (Session session = model.newSession()) {    // one session per thread
                        for (int i = first; i < images.length; i += threads) logits[i] = session.run(images[i]);
                    }
                }));
            }
            for (Future<?> worker : workers) worker.get();          // rethrows a worker's failure
        }
        return logits;
    }
    // readme:end
}
