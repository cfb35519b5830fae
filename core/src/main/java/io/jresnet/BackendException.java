package io.jresnet;

/** A backend could not be found, is unavailable, or its device reported an error. */
public class BackendException extends JResnetException {
    /**
     * An exception with a message.
     *
     * @param message what went wrong, naming the file, tensor, layer or backend
     */
    public BackendException(String message) {
        super(message);
    }

    /**
     * An exception with a message and the failure that caused it.
     *
     * @param message what went wrong, naming the file, tensor, layer or backend
     * @param cause the lower-level failure
     */
    public BackendException(String message, Throwable cause) {
        super(message, cause);
    }
}
