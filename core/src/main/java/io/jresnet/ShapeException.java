package io.jresnet;

/** A tensor or layer was given a shape it cannot take. */
public class ShapeException extends JResnetException {
    /**
     * An exception with a message.
     *
     * @param message what went wrong, naming the file, tensor, layer or backend
     */
    public ShapeException(String message) {
        super(message);
    }
}
