package io.jresnet;

/** A tensor or layer was given a shape it cannot take. */
public class ShapeException extends JResnetException {
    public ShapeException(String message) {
        super(message);
    }
}
