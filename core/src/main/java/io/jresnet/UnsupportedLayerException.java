package io.jresnet;

/** A layer, op or configuration that jresnet does not implement (for example a grouped conv). */
public class UnsupportedLayerException extends JResnetException {
    /**
     * An exception with a message.
     *
     * @param message what went wrong, naming the file, tensor, layer or backend
     */
    public UnsupportedLayerException(String message) {
        super(message);
    }
}
