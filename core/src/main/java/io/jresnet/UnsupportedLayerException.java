package io.jresnet;

/** A layer, op or configuration that jresnet does not implement (for example a grouped conv). */
public class UnsupportedLayerException extends JResnetException {
    public UnsupportedLayerException(String message) {
        super(message);
    }
}
