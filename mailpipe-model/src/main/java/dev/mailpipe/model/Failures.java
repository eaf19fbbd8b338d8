package dev.mailpipe.model;

import io.smallrye.mutiny.CompositeException;

/** Failures as one log line, whatever they carry. */
public final class Failures {
    private Failures() {
    }

    /**
     * The failure's first cause and how many there were. A failed transaction carries one exception
     * per failed send, thousands for a large batch; printed whole, each retry wrote megabytes.
     */
    public static String summary(Throwable failure) {
        if (failure instanceof CompositeException composite && composite.getCauses().size() > 1) {
            return composite.getCauses().size() + " failures, the first: " + composite.getCauses().get(0);
        }
        return String.valueOf(failure);
    }
}
