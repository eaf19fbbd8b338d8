package dev.mailpipe.relay;

import java.time.Duration;

/** The client's timeouts for a test: one wait for every phase, and a budget for the whole delivery. */
public record FixedTimeouts(Duration each, Duration budget) implements RelayConfig.Timeouts {
    public static FixedTimeouts of(Duration each) {
        return new FixedTimeouts(each, Duration.ofMinutes(5));
    }

    public Duration greeting() {
        return each;
    }

    public Duration command() {
        return each;
    }

    public Duration dataInit() {
        return each;
    }

    public Duration dataBlock() {
        return each;
    }

    public Duration finalDot() {
        return each;
    }

    public Duration delivery() {
        return budget;
    }
}
