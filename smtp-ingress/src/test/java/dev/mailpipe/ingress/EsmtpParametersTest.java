package dev.mailpipe.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailpipe.model.Envelope;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class EsmtpParametersTest {
    private static final long MAX = 10_000_000;

    private static Map<String, String> params(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    private static String refusal(Map<String, String> mail) {
        return assertThrows(EsmtpParameters.Refused.class, () -> EsmtpParameters.mail(mail, MAX)).reply().toString();
    }

    @Test
    void mailParametersThatTravelWithTheMessage() throws Exception {
        Map<String, String> p = new HashMap<>();
        p.put("SMTPUTF8", null);
        p.put("BODY", "8bitmime");
        p.put("RET", "hdrs");
        p.put("ENVID", "QQ314159+2B1");
        p.put("SIZE", "1000");
        p.put("AUTH", "<>");
        EsmtpParameters.Mail m = EsmtpParameters.mail(p, MAX);
        assertEquals(new EsmtpParameters.Mail(Envelope.BodyType.EIGHT_BIT_MIME, true, Envelope.Ret.HDRS, "QQ314159+2B1", 1000), m);
        assertEquals(new EsmtpParameters.Mail(Envelope.BodyType.SEVEN_BIT, false, null, null),
                EsmtpParameters.mail(Map.of(), MAX));
    }

    @Test
    void badMailParametersGetPreciseReplies() {
        assertEquals("552 5.3.4 Message size exceeds fixed limit", refusal(params("SIZE", "10000001")));
        assertEquals("552 5.3.4 Message size exceeds fixed limit", refusal(params("SIZE", "9999999999999999999")));
        assertEquals("501 5.5.4 Bad SIZE parameter", refusal(params("SIZE", "12k")));
        assertEquals("501 5.5.4 Unsupported BODY type", refusal(params("BODY", "BINARYMIME")),
                "BINARYMIME is not announced");
        assertEquals("501 5.5.4 SMTPUTF8 takes no value", refusal(params("SMTPUTF8", "yes")));
        assertEquals("501 5.5.4 Bad RET parameter", refusal(params("RET", "ALL")));
        assertEquals("501 5.5.4 Bad ENVID parameter", refusal(params("ENVID", "a=b")));
        assertEquals("501 5.5.4 Bad ENVID parameter", refusal(params("ENVID", "x".repeat(101))));
        assertEquals("555 5.5.4 Unsupported option: XFORWARD", refusal(params("XFORWARD", "NAME=x")));
    }

    @Test
    void rcptParameters() throws Exception {
        EsmtpParameters.Rcpt r = EsmtpParameters.rcpt(params("NOTIFY", "success,delay", "ORCPT", "rfc822;bob+2Bx@example.test"));
        assertEquals("SUCCESS,DELAY", r.notifications());
        assertEquals("rfc822;bob+2Bx@example.test", r.orcpt());
        assertNull(EsmtpParameters.rcpt(Map.of()).notifications());
        for (String bad : new String[] {"NEVER,SUCCESS", "", "SOMETIMES"}) {
            assertEquals("501 5.5.4 Bad NOTIFY parameter", assertThrows(EsmtpParameters.Refused.class,
                    () -> EsmtpParameters.rcpt(params("NOTIFY", bad))).reply().toString(), bad);
        }
        assertEquals("501 5.5.4 Bad ORCPT parameter", assertThrows(EsmtpParameters.Refused.class,
                () -> EsmtpParameters.rcpt(params("ORCPT", "bob@example.test"))).reply().toString());
    }

    @Test
    void xtextAllowsOnlyPrintableAsciiAndHexEscapes() {
        assertTrue(EsmtpParameters.isXtext("abc+2B+3D"));
        assertFalse(EsmtpParameters.isXtext("a b"));
        assertFalse(EsmtpParameters.isXtext("a+2"));
        assertFalse(EsmtpParameters.isXtext("a+zz"));
        assertFalse(EsmtpParameters.isXtext("caf\u00e9"));
    }
}
