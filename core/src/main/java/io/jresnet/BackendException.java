package io.jresnet;

/** A backend could not be found, is unavailable, or its device reported an error. */
public class BackendException extends JResnetException {
    public BackendException(String message) {
        super(message);
    }

    public BackendException(String message, Throwable cause) {
        super(message, cause);
    }
}
