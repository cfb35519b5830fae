package io.jresnet.cli.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jresnet.FormatException;
import io.jresnet.JResnetException;
import io.jresnet.models.io.SafeTensors;
import io.jresnet.tensor.Tensor;
import io.jresnet.train.Trainer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a training run stands after a finished epoch, in its output directory:
 * {@code checkpoint-epoch-E.safetensors} (the model's state dict under {@code model/NAME}, the SGD
 * momentum buffers under {@code momentum/NAME}) and {@code checkpoint.json} (epoch and iteration
 * counters, the data order's seed and next epoch, the run's settings, and the tensors file's name).
 *
 * <p>The JSON is written last, by an atomic rename, and names its tensors file, so an interruption at
 * any moment leaves the previous complete checkpoint readable. Data order needs nothing more than
 * the seed and the epoch: the loader derives each epoch's shuffle and augmentation from those two.
 */
public final class Checkpoint {
    public static final String JSON_FILE = "checkpoint.json";
    static final String MODEL_PREFIX = "model/";
    static final String MOMENTUM_PREFIX = "momentum/";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Checkpoint() {}

    /** What {@link #load} returns: the run's settings and the trainer's state. */
    public record Saved(TrainingConfig config, Trainer.State state) {}

    public static boolean existsIn(Path dir) {
        return Files.isRegularFile(dir.resolve(JSON_FILE));
    }

    public static void save(Path dir, TrainingConfig config, Trainer.State state) throws IOException {
        String tensorsName = "checkpoint-epoch-" + state.epoch() + ".safetensors";
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        state.model().forEach((n, t) -> tensors.put(MODEL_PREFIX + n, t));
        state.momentum().forEach((n, t) -> tensors.put(MOMENTUM_PREFIX + n, t));
        Path tmpTensors = dir.resolve(tensorsName + ".tmp");
        SafeTensors.write(tmpTensors, tensors, Map.of("epoch", Integer.toString(state.epoch()),
                "iteration", Long.toString(state.iteration())));
        Files.move(tmpTensors, dir.resolve(tensorsName), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);

        ObjectNode json = JSON.createObjectNode();
        json.put("format", 1);
        json.put("epoch", state.epoch());
        json.put("iteration", state.iteration());
        json.put("tensors", tensorsName);
        ObjectNode order = json.putObject("data_order");
        order.put("seed", config.seed());
        order.put("next_epoch", state.epoch());
        json.set("config", JSON.valueToTree(config));
        Path tmpJson = dir.resolve(JSON_FILE + ".tmp");
        Files.writeString(tmpJson, JSON.writeValueAsString(json));
        Files.move(tmpJson, dir.resolve(JSON_FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);

        try (var files = Files.list(dir)) { // older tensors files are superseded now
            for (Path p : files.toList()) {
                String name = p.getFileName().toString();
                if (name.startsWith("checkpoint-epoch-") && name.endsWith(".safetensors") && !name.equals(tensorsName)) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /**
     * Reads the checkpoint in {@code dir}. A missing, corrupt or inconsistent checkpoint fails with
     * jresnet's exception naming the file and the problem; the tensors file must be a
     * {@code checkpoint-epoch-N.safetensors} in {@code dir} itself, never a path elsewhere.
     */
    public static Saved load(Path dir) throws IOException {
        Path jsonFile = dir.resolve(JSON_FILE);
        if (!Files.isRegularFile(jsonFile)) {
            throw new JResnetException(dir + ": no " + JSON_FILE + " here; nothing to resume (train without --resume first)");
        }
        JsonNode json;
        TrainingConfig config;
        try {
            // Read the bytes and decode them as UTF-8 here: Jackson's own encoding detection throws a
            // bare CharConversionException on bytes that look like broken UTF-32 (found by fuzzing).
            json = JSON.readTree(new String(Files.readAllBytes(jsonFile), StandardCharsets.UTF_8));
            if (json == null || !json.isObject()) throw FormatException.in(jsonFile, "not a JSON object");
            for (String field : new String[] {"epoch", "iteration", "tensors", "config"}) {
                if (!json.hasNonNull(field)) throw FormatException.in(jsonFile, "field '" + field + "' is missing");
            }
            config = JSON.treeToValue(json.get("config"), TrainingConfig.class);
        } catch (JsonProcessingException e) {
            throw FormatException.in(jsonFile, "not a checkpoint: " + e.getOriginalMessage());
        }
        if (!json.get("epoch").canConvertToInt() || !json.get("epoch").isIntegralNumber() || json.get("epoch").asInt() < 0
                || !json.get("iteration").isIntegralNumber() || !json.get("iteration").canConvertToLong()
                || json.get("iteration").asLong() < 0) {
            throw FormatException.in(jsonFile, "'epoch' and 'iteration' must be non-negative integers");
        }
        int epoch = json.get("epoch").asInt();
        long iteration = json.get("iteration").asLong();
        String tensorsName = json.get("tensors").asText();
        if (!tensorsName.matches("checkpoint-epoch-[0-9]{1,9}\\.safetensors")) {
            throw FormatException.in(jsonFile, "'tensors' must name a checkpoint-epoch-N.safetensors file beside it, found '"
                    + tensorsName + "'");
        }
        Path tensorsFile = dir.resolve(tensorsName);
        if (!Files.isRegularFile(tensorsFile)) {
            throw FormatException.in(jsonFile, "names " + tensorsName + ", which is not in " + dir);
        }
        SafeTensors.Contents contents = SafeTensors.read(tensorsFile);
        if (!Integer.toString(epoch).equals(contents.metadata().get("epoch"))) {
            throw FormatException.in(tensorsFile, "holds epoch " + contents.metadata().get("epoch") + ", "
                    + jsonFile + " says " + epoch);
        }
        Map<String, Tensor> model = new LinkedHashMap<>(), momentum = new LinkedHashMap<>();
        contents.tensors().forEach((name, t) -> {
            if (name.startsWith(MODEL_PREFIX)) model.put(name.substring(MODEL_PREFIX.length()), t);
            else if (name.startsWith(MOMENTUM_PREFIX)) momentum.put(name.substring(MOMENTUM_PREFIX.length()), t);
            else throw FormatException.in(tensorsFile, "unexpected tensor '" + name + "'");
        });
        return new Saved(config, new Trainer.State(epoch, iteration, model, momentum));
    }
}
