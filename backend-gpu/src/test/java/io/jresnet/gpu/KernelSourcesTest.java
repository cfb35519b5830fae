package io.jresnet.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class KernelSourcesTest {
    static List<String> kernels(String source) {
        Matcher m = Pattern.compile("KERNEL void (\\w+)\\(").matcher(source);
        List<String> names = new java.util.ArrayList<>();
        while (m.find()) names.add(m.group(1));
        return names;
    }

    @Test
    void cudaAndOpenClCompileTheSameKernelBodies() {
        String cl = KernelSources.expand(KernelSources.OPENCL_ENTRY);
        String cu = KernelSources.expand(KernelSources.CUDA_ENTRY);
        assertFalse(cl.contains("#include") || cu.contains("#include"), "includes are expanded");
        // Same kernels in the same order: the CUDA program is the POCL-tested one.
        assertEquals(kernels(cl), kernels(cu));
        String body = KernelSources.read("conv.cl");
        assertTrue(cl.contains(body) && cu.contains(body));
    }

    @Test
    void everyFamilyHasAPlainAndATunedVersion() {
        List<String> names = kernels(KernelSources.expand(KernelSources.OPENCL_ENTRY));
        for (String family : List.of("conv2d", "maxpool", "global_avg_pool", "linear", "softmax", "add", "affine",
                "shortcut_pad")) {
            assertTrue(names.stream().anyMatch(n -> n.startsWith(family + "_v1_")), family + " v1 in " + names);
            assertTrue(names.stream().anyMatch(n -> n.startsWith(family + "_v2_")), family + " v2 in " + names);
        }
    }
}
