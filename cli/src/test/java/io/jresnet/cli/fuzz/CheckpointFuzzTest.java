package io.jresnet.cli.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jresnet.JResnetException;
import io.jresnet.cli.train.Checkpoint;
import io.jresnet.models.io.SafeTensors;
import io.jresnet.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Coverage-guided fuzzing (Jazzer) of the training checkpoint reader: the input is
 * {@code checkpoint.json}, beside a valid tensors file for epoch 1. Any input must load or end in
 * jresnet's own exception; any other exception, a path outside the directory or a hang is a finding.
 * The suite replays the committed corpus; {@code JAZZER_FUZZ=1} fuzzes (docs/RELIABILITY.md).
 */
class CheckpointFuzzTest {
    @FuzzTest(maxDuration = "10m")
    void checkpoint(byte[] data) throws IOException {
        Path dir = Files.createTempDirectory("jresnet-checkpoint-fuzz");
        try {
            SafeTensors.write(dir.resolve("checkpoint-epoch-1.safetensors"),
                    Map.of("model/fc.bias", Tensor.zeros(2), "momentum/fc.bias", Tensor.zeros(2)), Map.of("epoch", "1"));
            Files.write(dir.resolve(Checkpoint.JSON_FILE), data);
            Checkpoint.load(dir);
        } catch (JResnetException expected) {
            // refused with jresnet's own exception: what every bad checkpoint must get
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) Files.deleteIfExists(p);
            }
            Files.deleteIfExists(dir);
        }
    }
}
