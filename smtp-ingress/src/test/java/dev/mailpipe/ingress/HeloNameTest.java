package dev.mailpipe.ingress;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Tag("unit")
class HeloNameTest {
    @ParameterizedTest
    @ValueSource(strings = {"mx.example.test", "localhost", "mx.example.test.", "DESKTOP-4F2_X", "xn--bcher-kva.test",
            "bücher.test", "[192.0.2.1]", "[IPv6:2001:db8::1]", "[IPv6:::1]", "[x-tag:opaque]", "a"})
    void domainsAndAddressLiteralsAreNames(String name) {
        assertTrue(HeloName.valid(name), name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"mx\rexample.test", "mx.example.test\u0000", "(comment)", "\"quoted\"", "a..b", ".lead",
            "-lead.test", "trail-.test", "[192.0.2.256]", "[IPv6:example.test]", "[192.0.2.1", "x;y", "a\tb",
            "smtp.helo=forged;dkim=pass", "[IPv6:]", "."})
    void anythingElseIsNot(String name) {
        assertFalse(HeloName.valid(name), name);
    }

    @org.junit.jupiter.api.Test
    void aNameLongerThanADomainCanBeIsNot() {
        String label = "a".repeat(60);
        assertFalse(HeloName.valid(String.join(".", label, label, label, label, label)), "304 characters");
        assertTrue(HeloName.valid(String.join(".", label, label, label, label)), "243 characters");
        assertFalse(HeloName.valid("x".repeat(64) + ".test"), "a label of 64");
    }
}
