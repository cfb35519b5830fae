package io.jresnet;

/**
 * A run stopped because its thread was interrupted (a cancelled {@code Future}, an executor shut
 * down with {@code shutdownNow}). The output tensor holds no result; the session stays usable for the
 * next run, and the thread's interrupt status is left set for the caller to act on.
 */
public class RunInterruptedException extends JResnetException {
    /**
     * An exception with a message.
     *
     * @param message where the run stopped
     */
    public RunInterruptedException(String message) {
        super(message);
    }
}
