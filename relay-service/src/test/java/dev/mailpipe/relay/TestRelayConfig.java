package dev.mailpipe.relay;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** A relay configuration for tests that talk to loopback servers on one port. */
record TestRelayConfig(int port, RelayConfig.Timeouts timeout, boolean reuseConnections) implements RelayTestDefaults {
    TestRelayConfig(int port, RelayConfig.Timeouts timeout) {
        this(port, timeout, false);
    }

    public String hostname() {
        return "relay.test";
    }

    public Duration connectTimeout() {
        return Duration.ofSeconds(2);
    }

    public Optional<List<String>> tlsRequiredDomains() {
        return Optional.empty();
    }

    public Duration idleConnectionTimeout() {
        return Duration.ofSeconds(5);
    }

    public int maxMessagesPerConnection() {
        return 100;
    }

    public int initialConnectionsPerSite() {
        return 4;
    }

    public int maxConnectionsPerSite() {
        return 4;
    }

    public int maxConnections() {
        return 20;
    }

    public Optional<Duration> delayWarning() {
        return Optional.empty();
    }

    public int maxReplyLineLength() {
        return 2048;
    }

    public int maxReplyLines() {
        return 100;
    }
}
