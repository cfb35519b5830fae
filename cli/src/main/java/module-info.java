/**
 * The {@code jresnet} command. The launcher runs it on the class path; this descriptor states what
 * it reads and what the libraries it drives reflect on (picocli its commands, Jackson the training
 * configuration a checkpoint saves).
 */
// jfreechart and ONNX Runtime have no module descriptor, only an Automatic-Module-Name.
@SuppressWarnings("requires-automatic")
module io.jresnet.cli {
    requires io.jresnet.models;
    requires info.picocli;
    requires java.management; // OldGenerationWatch: full collections while a one-shot run packs weights
    requires org.jfree.jfreechart;
    requires static com.microsoft.onnxruntime; // 'jresnet verify' only, when its jar is present

    opens io.jresnet.cli to info.picocli;
    opens io.jresnet.cli.train to com.fasterxml.jackson.databind;
}
