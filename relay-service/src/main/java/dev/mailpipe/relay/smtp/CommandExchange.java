package dev.mailpipe.relay.smtp;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * How a transaction's commands reach the server, the one difference between a pipelined
 * transaction and one step by step: with PIPELINING (RFC 2920) every command went out in one write
 * and asking reads the next reply; without, asking writes the command and reads its reply. A
 * transaction that stops early leaves commands unasked: written ahead, their replies are still
 * owed and read ({@link #drain}); step by step, they were never sent.
 */
abstract class CommandExchange {
    final SmtpConnection conn;

    private CommandExchange(SmtpConnection conn) {
        this.conn = conn;
    }

    /** The reply to {@code command}. */
    abstract Future<SmtpReply> ask(String command, Duration timeout);

    /** The replies owed to the commands not asked; the last of them, or null when none was sent. */
    abstract Future<SmtpReply> drain(Duration timeout);

    /** Every command written now, in one write; replies read back in order. */
    static CommandExchange pipelined(SmtpConnection conn, List<String> commands) {
        return new Pipelined(conn, commands);
    }

    static CommandExchange stepwise(SmtpConnection conn) {
        return new Stepwise(conn);
    }

    private static final class Pipelined extends CommandExchange {
        private final Deque<String> owed;

        Pipelined(SmtpConnection conn, List<String> commands) {
            super(conn);
            this.owed = new ArrayDeque<>(commands);
            StringBuilder batch = new StringBuilder();
            commands.forEach(c -> batch.append(c).append("\r\n"));
            conn.write(batch.toString());
        }

        @Override
        Future<SmtpReply> ask(String command, Duration timeout) {
            String next = owed.poll();
            if (!command.equals(next)) {
                throw new IllegalStateException("asked " + command + " where " + next + " was written");
            }
            return conn.reply(timeout);
        }

        @Override
        Future<SmtpReply> drain(Duration timeout) {
            return drain(null, timeout);
        }

        private Future<SmtpReply> drain(SmtpReply last, Duration timeout) {
            if (owed.poll() == null) {
                return Future.succeededFuture(last);
            }
            return conn.reply(timeout).compose(r -> drain(r, timeout));
        }
    }

    private static final class Stepwise extends CommandExchange {
        Stepwise(SmtpConnection conn) {
            super(conn);
        }

        @Override
        Future<SmtpReply> ask(String command, Duration timeout) {
            return conn.command(command, timeout);
        }

        @Override
        Future<SmtpReply> drain(Duration timeout) {
            return Future.succeededFuture(null);
        }
    }
}
