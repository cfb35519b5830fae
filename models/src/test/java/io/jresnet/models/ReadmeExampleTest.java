package io.jresnet.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jresnet.backend.Backend;
import io.jresnet.backend.Backends;
import io.jresnet.backend.Executable;
import io.jresnet.nn.ResNet;
import io.jresnet.tensor.Shape;
import io.jresnet.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Keeps the README's embedding example compiling and running: the block between the markers is in README.md verbatim. */
class ReadmeExampleTest {
    @Test
    void embeddingExampleRuns() throws Exception {
        Tensor logits;
        // README-EXAMPLE-BEGIN
        ResNet net = Zoo.build("resnet18", 42);                 // seeded weights; ModelFiles.load(path) for real ones
        Shape input = Shape.nchw(1, 3, 224, 224);
        try (Backend backend = Backends.create();               // best available: cuda, cpu, opencl, reference
             Executable exe = backend.compile(net.plan(input))) {
            Tensor image = Tensor.uniform(input, -1f, 1f, 7);   // stands in for a preprocessed image
            logits = exe.run(image);                            // [1, 1000]
            System.out.println(backend.name() + " on " + backend.device() + ": " + logits);
        }
        // README-EXAMPLE-END
        assertEquals(Shape.of(1, 1000), logits.shape());
        assertEquals(-1, logits.firstNonFinite());

        String source = Files.readString(Path.of("src/test/java/io/jresnet/models/ReadmeExampleTest.java"));
        String block = source.substring(source.indexOf("// README-EXAMPLE-BEGIN") + 23, source.indexOf("// README-EXAMPLE-END"));
        String readme = Files.readString(Path.of("../README.md"));
        for (String line : block.strip().split("\n")) {
            assertTrue(readme.contains(line.strip()), "README.md lacks the example line: " + line.strip());
        }
    }
}
