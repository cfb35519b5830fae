package io.jresnet.models.io;

import io.jresnet.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Maps the parameter names other tools write onto torchvision's, which jresnet uses.
 *
 * <p>timm's ResNets (conv1, bn1, layer1..4 with conv1/bn1/conv2/bn2[/conv3/bn3]/downsample.0/1, fc)
 * name their parameters exactly as torchvision does (timm's activations carry no parameters), and
 * its checkpoints often omit the BN {@code num_batches_tracked} counters, which the loader accepts.
 * What differs in practice are wrapper prefixes: {@code module.} from {@code DataParallel} /
 * {@code DistributedDataParallel}, {@code model.} from training frameworks that wrap the network,
 * and timm's {@code _orig_mod.} from {@code torch.compile}. A prefix is removed only when every key
 * carries it, so a genuine parameter name is never rewritten.
 */
public final class CheckpointNames {
    private static final List<String> WRAPPER_PREFIXES = List.of("module.", "model.", "_orig_mod.");

    private CheckpointNames() {}

    /**
     * {@return the state dict with every wrapper prefix that all keys share removed, in the same order}
     *
     * @param state tensors by name, as a checkpoint holds them
     */
    public static Map<String, Tensor> normalize(Map<String, Tensor> state) {
        Map<String, Tensor> current = state;
        boolean changed = true;
        while (changed && !current.isEmpty()) {
            changed = false;
            for (String prefix : WRAPPER_PREFIXES) {
                if (current.keySet().stream().allMatch(k -> k.startsWith(prefix))) {
                    Map<String, Tensor> stripped = new LinkedHashMap<>();
                    current.forEach((k, v) -> stripped.put(k.substring(prefix.length()), v));
                    current = stripped;
                    changed = true;
                }
            }
        }
        return current;
    }
}
