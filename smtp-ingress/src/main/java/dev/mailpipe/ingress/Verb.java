package dev.mailpipe.ingress;

import java.util.Locale;

/** The SMTP commands the ingress knows (RFC 5321 4.1.1 and the extensions it offers). */
enum Verb {
    HELO, EHLO, MAIL, RCPT, DATA, BDAT, RSET, NOOP, QUIT, VRFY, EXPN, HELP, STARTTLS, AUTH;

    /** The verb a command line starts with, or null if it is none of ours. */
    static Verb of(String word) {
        try {
            return valueOf(word.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
