package dev.mailpipe.runtime;

/** Failures as one log line, whatever they carry. */
public final class Failures {
    private Failures() {
    }

    /**
     * The failure and how many more it carries (suppressed ones: one per failed send of a batch,
     * thousands for a large one). Printed whole, each retry wrote megabytes.
     */
    public static String summary(Throwable failure) {
        if (failure != null && failure.getSuppressed().length > 0) {
            return (failure.getSuppressed().length + 1) + " failures, the first: " + failure;
        }
        return String.valueOf(failure);
    }
}
