package dev.mailpipe.bench;

import dev.mailpipe.peers.PostfixInstance;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * Postfix from Debian as a private instance ({@link PostfixInstance}): SMTP on a loopback port,
 * virtual(8) delivery to Maildirs laid out as mailpipe lays them out, remote.test relayed to the
 * loopback sink. It fsyncs each queue file before 250 and each Maildir file before it counts as
 * delivered, as Postfix always does.
 */
record PostfixSystem(PostfixInstance postfix) implements MailSystem {

    /** {@code milter}: null, or the milter every message goes through (smtpd_milters). */
    static PostfixSystem start(Path dir, int relayPort, List<String> mailboxes, String milter) throws Exception {
        return new PostfixSystem(PostfixInstance.start(dir, relayPort, mailboxes,
                new PostfixInstance.Settings("127.0.0.1", 0, List.of(), milter, List.of())));
    }

    @Override
    public String name() {
        return "postfix";
    }

    @Override
    public int smtpPort() {
        return postfix.port;
    }

    @Override
    public Path mailRoot() {
        return postfix.mailRoot();
    }

    @Override
    public Set<Long> processes() {
        return postfix.masterPid().stream().boxed().collect(java.util.stream.Collectors.toSet());
    }

    @Override
    public void close() throws Exception {
        postfix.close();
    }
}
