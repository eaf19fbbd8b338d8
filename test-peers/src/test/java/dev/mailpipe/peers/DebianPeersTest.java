package dev.mailpipe.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("unit")
class DebianPeersTest {
    @Test
    void everyProbeOfTheListNamesItsPackage() {
        Map<String, String> packages = DebianPeers.packages();
        assertEquals("libnet-ssleay-perl", packages.get("perl:Net::SSLeay"));
        assertEquals("libauthen-sasl-perl", packages.get("perl:Authen::SASL"));
        assertEquals("python3-aiosmtpd", packages.get("python:aiosmtpd"));
        assertEquals("postfix", packages.get("smtp-source"));
        assertEquals("postfix", packages.get("smtp-sink"));
        assertTrue(DebianPeers.missing("perl:IO::Socket::SSL").contains("apt-get install -y libio-socket-ssl-perl"),
                DebianPeers.missing("perl:IO::Socket::SSL"));
    }

    @Test
    void aMissingPeerFailsWithItsPackage() {
        assertFalse(DebianPeers.present("perl:No::Such::Module::Here"));
        assertFalse(DebianPeers.present("python:no_such_module_here"));
        assertFalse(DebianPeers.present("no-such-program-here"));
        assertTrue(DebianPeers.present("/usr/bin/python3"));
        assertTrue(DebianPeers.present("perl:strict"));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> DebianPeers.require("perl:strict", "perl:No::Such::Module::Here"));
        assertTrue(e.getMessage().startsWith("perl:No::Such::Module::Here is missing"), e.getMessage());
    }

    @Test
    void aChildProcessOfAMissingProgramSaysWhatToInstall(@TempDir Path tmp) {
        IOException e = assertThrows(IOException.class, () -> ChildProcess.start("ghost", List.of("no-such-program-here"),
                tmp, Map.of(), tmp.resolve("ghost.log")));
        assertTrue(e.getMessage().startsWith("no-such-program-here is missing: install the Debian package"), e.getMessage());
    }
}
