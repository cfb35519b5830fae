package io.jresnet;

/**
 * Root of jresnet's exception hierarchy. Every error caused by bad input (a file, a shape, a
 * layer, a backend name) is one of these, with a message naming what and where, what was expected
 * and what was found.
 */
public class JResnetException extends RuntimeException {
    public JResnetException(String message) {
        super(message);
    }

    public JResnetException(String message, Throwable cause) {
        super(message, cause);
    }
}
