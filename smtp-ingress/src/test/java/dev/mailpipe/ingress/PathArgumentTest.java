package dev.mailpipe.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class PathArgumentTest {
    @Test
    void pathAndParametersInOrderKeywordsUpperCased() throws Exception {
        PathArgument a = PathArgument.parse("from:<alice@example.test> size=100 smtputf8 Body=8BITMIME", "FROM");
        assertEquals("alice@example.test", a.path());
        assertEquals(List.of("SIZE", "SMTPUTF8", "BODY"), new ArrayList<>(a.params().keySet()));
        assertEquals("100", a.params().get("SIZE"));
        assertEquals(null, a.params().get("SMTPUTF8"));
        assertEquals("", PathArgument.parse("FROM:<>", "FROM").path());
        assertEquals("bob@example.test", PathArgument.parse("TO: <bob@example.test>", "TO").path(),
                "a space after the colon is tolerated, as most servers do");
    }

    @Test
    void aSourceRouteIsDroppedSoOnlyTheMailboxCounts() throws Exception {
        assertEquals("user@example.test", PathArgument.parse("TO:<@relay1.test,@relay2.test:user@example.test>", "TO").path());
    }

    @Test
    void aBracketInsideAQuotedLocalPartDoesNotEndThePath() throws Exception {
        assertEquals("\"a>b\"@example.test", PathArgument.parse("TO:<\"a>b\"@example.test>", "TO").path());
    }

    @Test
    void malformedArgumentsSayWhatIsWrong() {
        assertEquals("Syntax: MAIL FROM:<address>", message("alice@example.test", "FROM"));
        assertEquals("address must be enclosed in <>", message("TO:bob@example.test", "TO"));
        assertEquals("unbalanced <>", message("TO:<bob@example.test", "TO"));
        assertEquals("bad source route", message("TO:<@relay.test>", "TO"));
        assertEquals("parameters must follow the address after a space", message("TO:<b@example.test>NOTIFY=NEVER", "TO"));
        assertEquals("parameter SIZE given twice", message("FROM:<a@example.test> SIZE=1 size=2", "FROM"));
        assertEquals("bad parameter =x", message("FROM:<a@example.test> =x", "FROM"));
    }

    private static String message(String argument, String keyword) {
        return assertThrows(PathArgument.SyntaxException.class, () -> PathArgument.parse(argument, keyword)).getMessage();
    }
}
