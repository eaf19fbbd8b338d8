package dev.mailpipe.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailpipe.scan.RspamdVerdict;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** rspamd's answers, as its /checkv2 gives them, and what each does to the message and the reply. */
@Tag("unit")
class RspamdVerdictTest {
    private static final String TRACE = "Received: from x by mx.test; Sun, 6 Dec 2026 12:00:00 +0000\r\n";

    private static IncomingMessage message(String text) {
        byte[] trace = TRACE.getBytes(StandardCharsets.US_ASCII);
        byte[] all = (TRACE + text).getBytes(StandardCharsets.UTF_8);
        return new IncomingMessage(all, trace.length);
    }

    private static HookResult apply(String json, IncomingMessage m) throws IOException {
        return RspamdHook.apply(RspamdVerdict.parse(json.getBytes(StandardCharsets.UTF_8)), m);
    }

    private static String text(IncomingMessage m) {
        return new String(m.bytes(), StandardCharsets.UTF_8);
    }

    @Test
    void rejectGivesRspamdsMessageAndAVirusNamesIt() throws Exception {
        HookResult gtube = apply("{\"action\":\"reject\",\"score\":15,\"required_score\":15,"
                + "\"symbols\":{\"GTUBE\":{\"score\":0}},\"messages\":{\"smtp_message\":\"Gtube pattern\"}}", message("x\r\n"));
        assertEquals("550 5.7.1 Gtube pattern", gtube.reply().toBuffer().toString().trim());
        HookResult virus = apply("{\"action\":\"no action\",\"score\":1,\"required_score\":15,"
                + "\"symbols\":{\"CLAM_VIRUS\":{\"options\":[\"Eicar-Test-Signature\"]}}}", message("x\r\n"));
        assertEquals("554 5.7.1 Message rejected: virus found: Eicar-Test-Signature", virus.reply().toBuffer().toString().trim());
        HookResult notAVirus = apply("{\"action\":\"no action\",\"score\":3,\"required_score\":15,\"symbols\":{"
                + "\"RBL_VIRUSFREE_UNKNOWN_FAIL\":{\"options\":[\"198.51.100.7:query refused\"]},"
                + "\"CLAM_VIRUS_FAIL\":{\"options\":[\"cannot connect\"]}}}", message("x\r\n"));
        assertSame(HookResult.NEXT, notAVirus, "a DNS list or a scanner that failed is no virus");
        HookResult soft = apply("{\"action\":\"soft reject\",\"score\":9,\"required_score\":15,\"symbols\":{}}", message("x\r\n"));
        assertEquals(451, soft.reply().code());
        HookResult grey = apply("{\"action\":\"greylist\",\"score\":4,\"required_score\":15,\"symbols\":{}}", message("x\r\n"));
        assertEquals("4.7.1", grey.reply().status());
    }

    @Test
    void addHeaderTagsTheMessageWithTheMilterBlockAndMarksItJunk() throws Exception {
        IncomingMessage m = message("X-Spam: No\r\nSubject: hi\r\n\r\nbody\r\n");
        assertSame(HookResult.NEXT, apply("{\"action\":\"add header\",\"score\":8.5,\"required_score\":15,"
                + "\"symbols\":{\"A\":{},\"B\":{}},\"milter\":{\"add_headers\":{\"X-Spamd-Bar\":{\"value\":\"++++++++\",\"order\":0}},"
                + "\"remove_headers\":{\"X-Spam\":0}}}", m));
        assertEquals(TRACE + "X-Spam: Yes\r\nX-Spamd-Bar: ++++++++\r\nSubject: hi\r\n\r\nbody\r\n", text(m),
                "the client's own X-Spam removed, rspamd's fields below the trace field");
        assertTrue(m.junk());
        assertEquals("rspamd: add header, score 8.50/15.00, A B", m.contentScan());
    }

    @Test
    void rewriteSubjectReplacesItAndNoActionChangesNothing() throws Exception {
        IncomingMessage m = message("Subject: hi\r\n there\r\nTo: a@b.test\r\n\r\nbody\r\n");
        apply("{\"action\":\"rewrite subject\",\"score\":7,\"required_score\":15,\"symbols\":{},\"subject\":\"*** SPAM *** hi there\"}", m);
        assertEquals(TRACE + "X-Spam: Yes\r\nSubject: *** SPAM *** hi there\r\nTo: a@b.test\r\n\r\nbody\r\n", text(m));
        IncomingMessage clean = message("Subject: hi\r\n\r\nbody\r\n");
        assertSame(HookResult.NEXT, apply("{\"action\":\"no action\",\"score\":0.5,\"required_score\":15,\"symbols\":{}}", clean));
        assertEquals(TRACE + "Subject: hi\r\n\r\nbody\r\n", text(clean));
        assertFalse(clean.junk());
    }

    @Test
    void nothingRspamdSaysReachesTheReplyOrAFieldUncleaned() throws Exception {
        IncomingMessage m = message("Subject: hi\r\n\r\nbody\r\n");
        HookResult r = apply("{\"action\":\"reject\",\"score\":99,\"required_score\":15,\"symbols\":{},"
                + "\"messages\":{\"smtp_message\":\"no\\r\\n250 ok\"}}", m);
        assertFalse(r.reply().toBuffer().toString().trim().contains("\n"));
        IncomingMessage tagged = message("Subject: hi\r\n\r\nbody\r\n");
        apply("{\"action\":\"add header\",\"score\":8,\"required_score\":15,\"symbols\":{},"
                + "\"milter\":{\"add_headers\":{\"Bad Name\":\"x\",\"X-Ok\":\"a\\r\\nInjected: yes\"}}}", tagged);
        assertFalse(text(tagged).contains("\r\nInjected:"), text(tagged));
        assertFalse(text(tagged).contains("Bad Name"));
        assertThrows(IOException.class, () -> RspamdVerdict.parse("<html>".getBytes(StandardCharsets.US_ASCII)));
        assertThrows(IOException.class, () -> RspamdVerdict.parse("{\"score\":1}".getBytes(StandardCharsets.US_ASCII)));
    }
}
