package dev.mailpipe.delivery;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;

/** What a failed Maildir write means to a sender: RFC 3463's code for its cause, and a short text. */
final class MaildirFailure {
    private MaildirFailure() {
    }

    /** EDQUOT: 4.2.2 mailbox full; ENOSPC: 4.3.1 mail system full; anything else (EACCES, EROFS, EIO): 4.3.0. */
    static String status(IOException e) {
        String text = describe(e);
        if (text.contains("Disk quota exceeded")) {
            return "4.2.2";
        }
        if (text.contains("No space left on device")) {
            return "4.3.1";
        }
        return "4.3.0";
    }

    /** The cause without the full path: the system's reason, and which file when it names one. */
    static String describe(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return String.valueOf(e.getMessage());
    }
}
