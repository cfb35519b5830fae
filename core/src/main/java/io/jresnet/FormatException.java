package io.jresnet;

/** A file (weights, tensor, model, data set) is corrupt, truncated or not what it claims to be. */
public class FormatException extends JResnetException {
    /**
     * An exception with a message.
     *
     * @param message what went wrong, naming the file, tensor, layer or backend
     */
    public FormatException(String message) {
        super(message);
    }

    /**
     * An exception with a message and the failure that caused it.
     *
     * @param message what went wrong, naming the file, tensor, layer or backend
     * @param cause the lower-level failure
     */
    public FormatException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * Builds "FILE: problem" so that every format error names the file first.
     *
     * @param file the file (a {@code Path}, or a name for a resource or stream)
     * @param problem what is wrong with it, with what was expected and what was found
     * @return the exception, for the caller to throw
     */
    public static FormatException in(Object file, String problem) {
        return new FormatException(file + ": " + problem);
    }
}
