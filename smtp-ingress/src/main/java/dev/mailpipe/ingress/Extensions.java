package dev.mailpipe.ingress;

import java.util.ArrayList;
import java.util.List;

/** The EHLO reply (RFC 5321 4.1.1.1): the ESMTP extensions this session offers right now. */
final class Extensions {
    private Extensions() {
    }

    /**
     * @param starttls offered while a key is configured and TLS is not yet active
     * @param auth offered on submission inside TLS, until the client has authenticated
     */
    static Reply ehloReply(String hostname, String clientName, long maxMessageSize, boolean starttls, boolean auth) {
        List<String> lines = new ArrayList<>();
        lines.add(hostname + " greets " + clientName);
        lines.add("PIPELINING");
        lines.add("SIZE " + maxMessageSize);
        lines.add("8BITMIME");
        lines.add("SMTPUTF8");
        lines.add("ENHANCEDSTATUSCODES");
        lines.add("CHUNKING");
        lines.add("DSN");
        if (starttls) {
            lines.add("STARTTLS");
        }
        if (auth) {
            lines.add("AUTH PLAIN LOGIN");
        }
        return new Reply(250, null, lines);
    }
}
