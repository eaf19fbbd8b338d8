package dev.mailpipe.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** postscreen's {@code site=filter*weight}: what is asked, and which answers count for how much. */
@Tag("unit")
class DnsListSiteTest {
    private static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    @Test
    void aSiteWithoutFilterCountsAnyAnswerOnce() throws Exception {
        DnsListSite zen = DnsListSite.parse("zen.example");
        assertEquals(1, zen.weight());
        assertTrue(zen.matches(ip("127.0.0.4")));
        assertEquals("4.3.2.1.zen.example.", zen.query(ip("1.2.3.4")));
        assertEquals(3, DnsListSite.parse("zen.example*3").weight());
    }

    @Test
    void filtersMatchOctetByOctetWithRangesAndLists() throws Exception {
        DnsListSite wl = DnsListSite.parse("list.dnswl.example=127.0.[0..255].[0..255]*-2");
        assertEquals(-2, wl.weight());
        assertEquals("list.dnswl.example", wl.domain());
        assertTrue(wl.matches(ip("127.0.9.3")));
        assertFalse(wl.matches(ip("127.1.0.1")), "the second octet must be 0");
        DnsListSite only = DnsListSite.parse("bl.example=127.0.0.[2;4..6]");
        assertTrue(only.matches(ip("127.0.0.2")));
        assertTrue(only.matches(ip("127.0.0.5")));
        assertFalse(only.matches(ip("127.0.0.3")));
        assertFalse(only.matches(ip("127.255.255.254")), "a list's error code is no listing");
    }

    @Test
    void anIpv6ClientIsAskedByItsNibblesReversed() throws Exception {
        assertEquals("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.example.",
                DnsListSite.parse("bl.example").query(ip("2001:db8::1")));
    }

    @Test
    void nonsenseIsRefusedAtStartup() {
        assertThrows(IllegalArgumentException.class, () -> DnsListSite.parse("bl.example=127.0.0"));
        assertThrows(IllegalArgumentException.class, () -> DnsListSite.parse("bl.example=127.0.0.[9..3]"));
        assertThrows(IllegalArgumentException.class, () -> DnsListSite.parse("bad name*2"));
        assertThrows(NumberFormatException.class, () -> DnsListSite.parse("bl.example*x"));
    }
}
