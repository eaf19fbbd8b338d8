package dev.mailpipe.delivery;

import dev.mailpipe.model.MailAddress;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Maps a mailbox address to its Maildir, {@code <root>/<domain>/<local-part>/Maildir}, refusing any
 * address that could step outside the root or confuse a Maildir reader. The checks run on the
 * address before it touches the file system, and the result is checked again after normalising.
 */
final class MailboxPath {
    static final class UnsafeAddressException extends Exception {
        UnsafeAddressException(String message) {
            super(message);
        }
    }

    private MailboxPath() {
    }

    static Path of(Path root, String mailboxKey) throws UnsafeAddressException {
        MailAddress address;
        try {
            address = MailAddress.parse(mailboxKey, true);
        } catch (MailAddress.InvalidAddressException e) {
            throw new UnsafeAddressException("not a mailbox address: " + e.getMessage());
        }
        String local = address.localPart().toLowerCase(Locale.ROOT);
        String domain = address.domainKey();
        checkSegment(local, "local part");
        checkSegment(domain, "domain");
        if (address.isDomainLiteral()) {
            throw new UnsafeAddressException("an address literal is never a local mail domain");
        }
        Path base = root.toAbsolutePath().normalize();
        Path maildir = base.resolve(domain).resolve(local).resolve("Maildir").normalize();
        if (!maildir.startsWith(base) || maildir.getNameCount() != base.getNameCount() + 3) {
            throw new UnsafeAddressException("mailbox path escapes the mail root");
        }
        return maildir;
    }

    private static void checkSegment(String s, String what) throws UnsafeAddressException {
        if (s.isEmpty() || s.equals(".") || s.equals("..") || s.startsWith(".") || s.startsWith("\"")) {
            throw new UnsafeAddressException(what + " is not usable as a directory name");
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '/' || c == '\\' || c == 0 || c < 32 || c == 127 || c == ':') {
                throw new UnsafeAddressException(what + " contains a character not allowed in a mailbox path");
            }
        }
    }
}
