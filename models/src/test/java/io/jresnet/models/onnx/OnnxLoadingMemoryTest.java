package io.jresnet.models.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jresnet.models.Zoo;
import io.jresnet.nn.ResNet;
import io.jresnet.plan.Graph;
import io.jresnet.plan.Op;
import io.jresnet.tensor.Shape;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loading maps the file and copies no weights; each graph decodes its own. Before, a load held the
 * file's bytes, protobuf's copy of them and the decoded floats: three copies of the weights for as
 * long as the model lived.
 */
class OnnxLoadingMemoryTest {
    @TempDir
    Path dir;

    private static long allocatedByThisThread() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    @Test
    void loadingAllocatesAFractionOfTheWeightsAndEachGraphDecodesItsOwn() throws Exception {
        ResNet net = Zoo.build("resnet18", 4); // 11.7M parameters, 47 MB of weights
        Path file = dir.resolve("r18.onnx");
        OnnxExporter.write(net, file);
        long fileBytes = Files.size(file);
        OnnxImporter.load(file); // once, so class loading is not counted below

        long before = allocatedByThisThread();
        OnnxModel model = OnnxImporter.load(file);
        long loading = allocatedByThisThread() - before;
        assertTrue(loading < fileBytes / 20, "loading a " + fileBytes + "-byte file allocated " + loading + " bytes");

        Graph a = model.toGraph(Shape.nchw(1, 3, 64, 64)), b = model.toGraph(Shape.nchw(2, 3, 64, 64));
        Op.Conv convA = (Op.Conv) a.ops().getFirst(), convB = (Op.Conv) b.ops().getFirst();
        assertNotSame(convA.weight().array(), convB.weight().array());
        assertArrayEquals(convA.weight().toArray(), convB.weight().toArray());
    }
}
