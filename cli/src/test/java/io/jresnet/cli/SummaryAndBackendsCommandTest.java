package io.jresnet.cli;

import static io.jresnet.cli.CliTestSupport.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jresnet.models.Zoo;
import io.jresnet.models.io.ModelFiles;
import io.jresnet.nn.ResNetSpec;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SummaryAndBackendsCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void resnet50JsonReportsTorchvisionParameterCountAndMacs() throws Exception {
        CliTestSupport.Result r = run("summary", "resnet50", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode o = JSON.readTree(r.out());
        assertTrue(o.get("params").isIntegralNumber() && o.get("macs").isIntegralNumber(), r.out());
        assertEquals(25_557_032L, o.get("params").longValue());
        assertEquals(4.09e9, o.get("macs").longValue(), 0.01e9);
        assertEquals("[1,3,224,224]", o.get("input_shape").toString());
        assertEquals("[1,1000]", o.get("output_shape").toString());
        JsonNode conv1 = o.get("layers").get(0);
        assertEquals("conv1", conv1.get("name").asText());
        assertEquals("[1,64,112,112]", conv1.get("output_shape").toString());
        assertEquals(64 * 3 * 7 * 7, conv1.get("params").longValue());
        long layerParams = 0;
        for (JsonNode l : o.get("layers")) layerParams += l.get("params").longValue();
        assertEquals(25_557_032L, layerParams, "every parameter belongs to exactly one layer line");
    }

    @Test
    void cifarModelsDefaultTo32PixelsAndInputSizeOverrides() throws Exception {
        JsonNode o = JSON.readTree(run("summary", "resnet20", "--json").out());
        assertEquals("[1,3,32,32]", o.get("input_shape").toString());
        assertEquals(269_722L, o.get("params").longValue());
        JsonNode big = JSON.readTree(run("summary", "resnet20", "--json", "--input-size", "64", "--batch", "2").out());
        assertEquals("[2,3,64,64]", big.get("input_shape").toString());
        long fc = 64 * 10; // the classifier's MACs grow with the batch, not with the pixels
        assertEquals(8 * (o.get("macs").longValue() - fc) + 2 * fc, big.get("macs").longValue());
    }

    @Test
    void textSummaryHasOneLinePerLayerAndTotals() {
        CliTestSupport.Result r = run("summary", "resnet18");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("parameters: 11,689,512"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("\\s*\\d+\\s+layer4\\.1\\.conv2\\s+Conv\\s+\\[1, 512, 7, 7].*")),
                r.out());
        assertTrue(r.out().contains("input [1, 3, 224, 224] -> output [1, 1000]"), r.out());
    }

    @Test
    void summaryOfAWeightsFileUsesItsArchitecture() throws Exception {
        Path f = dir.resolve("gray.safetensors");
        ModelFiles.save(Zoo.build(ResNetSpec.cifar(20).withInChannels(1).withClasses(5), 1), f);
        JsonNode o = JSON.readTree(run("summary", f.toString(), "--json").out());
        assertEquals("[1,1,32,32]", o.get("input_shape").toString());
        assertEquals("[1,5]", o.get("output_shape").toString());
    }

    @Test
    void backendsListsEveryProviderIncludingOnesFoundOnlyAtRunTime() {
        CliTestSupport.Result r = run("backends");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("reference\\s+0\\s+available\\s+scalar Java.*")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("offset\\s+-100\\s+available\\s+reference plus.*")), r.out());
    }
}
