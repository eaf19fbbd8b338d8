package dev.mailpipe.relay;

import io.quarkus.runtime.configuration.MemorySize;
import java.math.BigInteger;
import java.time.Duration;

/** The settings of the relay's consumer side that tests of the SMTP client never vary: the defaults. */
interface RelayTestDefaults extends RelayConfig {
    default java.util.Optional<java.util.List<String>> dnsServers() {
        return java.util.Optional.empty();
    }

    default Duration dnsTimeout() {
        return Duration.ofSeconds(2);
    }

    default java.util.Optional<java.nio.file.Path> trustStore() {
        return java.util.Optional.empty();
    }

    default Duration handOverGrace() {
        return Duration.ofSeconds(30);
    }

    default String group() {
        return "relay-service";
    }

    default Duration commitInterval() {
        return Duration.ofMillis(100);
    }

    default int maxDeliveriesInHand() {
        return 1000;
    }

    default MemorySize maxBytesInHand() {
        return new MemorySize(BigInteger.valueOf(64L << 20));
    }

    default int siteMaxWaiting() {
        return 250;
    }

    default Duration siteWait() {
        return Duration.ofMinutes(5);
    }

    default java.util.Optional<java.nio.file.Path> shapingFile() {
        return java.util.Optional.empty();
    }

    default Duration suppressionTime() {
        return Duration.ofDays(30);
    }

    default Duration deadSiteBackoff() {
        return Duration.ofSeconds(30);
    }
}
