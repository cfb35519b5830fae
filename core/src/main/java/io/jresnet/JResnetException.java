package io.jresnet;

/**
 * Root of jresnet's exception hierarchy. Every error caused by bad input (a file, a shape, a
 * layer, a backend name) is one of these, with a message naming what and where, what was expected
 * and what was found.
 */
public class JResnetException extends RuntimeException {
    /**
     * An exception with a message.
     *
     * @param message what went wrong, naming the file, tensor, layer or backend
     */
    public JResnetException(String message) {
        super(message);
    }

    /**
     * An exception with a message and the failure that caused it.
     *
     * @param message what went wrong, naming the file, tensor, layer or backend
     * @param cause the lower-level failure
     */
    public JResnetException(String message, Throwable cause) {
        super(message, cause);
    }
}
