package dev.mailpipe.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** RFC 7489: policy discovery, the organizational domain, alignment and what a failure asks for. */
@Tag("unit")
class DmarcTest {
    static final Map<String, List<String>> TXT = Map.of(
            "_dmarc.example.co.uk", List.of("v=DMARC1; p=reject; sp=quarantine; adkim=s"),
            "_dmarc.two.test", List.of("v=DMARC1; p=reject", "v=DMARC1; p=none"),
            "_dmarc.ruaonly.test", List.of("v=DMARC1; p=bogus; rua=mailto:r@ruaonly.test"),
            "_dmarc.junk.test", List.of("v=DMARC1; p=bogus"),
            "_dmarc.sampled.test", List.of("v=DMARC1; p=reject; pct=0"),
            "_dmarc.other.test", List.of("v=spf1 -all"));
    static final Dmarc DMARC = new Dmarc(name -> {
        if (name.contains("broken")) {
            throw new DkimVerifier.TemporaryFailure("SERVFAIL");
        }
        return TXT.getOrDefault(name, List.of());
    });

    static DkimVerifier.Result dkim(String result, String d) {
        return new DkimVerifier.Result(result, d, "s", "rsa-sha256", null, "x");
    }

    @Test
    void organizationalDomainsFromThePublicSuffixList() {
        assertEquals("example.co.uk", OrganizationalDomain.of("mail.news.example.co.uk"));
        assertEquals("example.com", OrganizationalDomain.of("A.B.Example.COM."));
        assertEquals("example.test", OrganizationalDomain.of("deep.sub.example.test"), "an unlisted TLD: the default rule");
        assertTrue(OrganizationalDomain.aligned("bounce.example.co.uk", "example.co.uk", false));
        assertFalse(OrganizationalDomain.aligned("bounce.example.co.uk", "example.co.uk", true));
        assertFalse(OrganizationalDomain.aligned("example.co.uk", "other.co.uk", false));
    }

    @Test
    void aSubdomainFallsBackToTheOrganizationsRecordAndItsSp() {
        Dmarc.Result r = DMARC.evaluate("news.example.co.uk", "fail", "x.test", List.of());
        assertEquals("fail", r.result());
        assertEquals("quarantine", r.applied(), "sp= for a subdomain under the organization's record");
        assertEquals("reject", DMARC.evaluate("example.co.uk", "fail", "x.test", List.of()).applied());
    }

    @Test
    void alignedSpfOrDkimPassesStrictAlignmentIsStrict() {
        assertEquals("pass", DMARC.evaluate("example.co.uk", "pass", "bounces.example.co.uk", List.of()).result(),
                "SPF aligns relaxed (aspf=r by default)");
        assertEquals("fail", DMARC.evaluate("example.co.uk", "fail", "x.test", List.of(dkim("pass", "mail.example.co.uk"))).result(),
                "adkim=s: a subdomain's signature does not align");
        assertEquals("pass", DMARC.evaluate("example.co.uk", "fail", "x.test", List.of(dkim("pass", "example.co.uk"))).result());
        assertEquals("fail", DMARC.evaluate("example.co.uk", "fail", "x.test", List.of(dkim("pass", "elsewhere.test"))).result(),
                "a signature by another domain does not align");
    }

    @Test
    void recordsThatAreNoPolicy() throws Exception {
        assertNull(DMARC.discover("two.test"), "two records are none");
        assertNull(DMARC.discover("junk.test"), "an invalid p= without rua=");
        assertEquals("none", DMARC.discover("ruaonly.test").p(), "an invalid p= with rua= is p=none");
        assertNull(DMARC.discover("other.test"), "a TXT record that is not DMARC's");
        assertEquals("none", DMARC.evaluate("nothing.test", "fail", "x.test", List.of()).result());
    }

    @Test
    void pctZeroAppliesTheMilderPolicyTemporaryErrorsAreTemporary() {
        Dmarc.Result sampled = DMARC.evaluate("sampled.test", "fail", "x.test", List.of());
        assertEquals("reject", sampled.requested());
        assertEquals("quarantine", sampled.applied());
        assertEquals("temperror", DMARC.evaluate("broken.test", "pass", "broken.test", List.of()).result());
        assertEquals("temperror", DMARC.evaluate("example.co.uk", "temperror", "example.co.uk", List.of()).result());
        assertEquals("permerror", DMARC.evaluate(null, "pass", "x.test", List.of()).result());
    }
}
