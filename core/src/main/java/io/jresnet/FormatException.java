package io.jresnet;

/** A file (weights, tensor, model, data set) is corrupt, truncated or not what it claims to be. */
public class FormatException extends JResnetException {
    public FormatException(String message) {
        super(message);
    }

    public FormatException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Builds "FILE: problem" so that every format error names the file first. */
    public static FormatException in(Object file, String problem) {
        return new FormatException(file + ": " + problem);
    }
}
