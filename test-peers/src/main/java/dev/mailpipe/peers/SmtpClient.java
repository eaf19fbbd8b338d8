package dev.mailpipe.peers;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The plainest SMTP client: one session, one message, no extensions, for loads and probes that
 * need to know exactly what each message got. Returns the reply to the end of data, or the first
 * refusal; a broken session is an {@link IOException}.
 */
public final class SmtpClient {
    private SmtpClient() {
    }

    /** {@code message}: header and body with CRLF line ends, no dot-stuffing needed (no line starts with "."). */
    public static String send(int port, String from, String to, String message, int timeoutMillis) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(timeoutMillis);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            String reply = reply(in);
            for (String command : new String[] {"EHLO client.test", "MAIL FROM:<" + from + ">", "RCPT TO:<" + to + ">", "DATA"}) {
                if (!reply.startsWith("2")) {
                    return reply;
                }
                out.write((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                reply = reply(in);
            }
            if (!reply.startsWith("354")) {
                return reply;
            }
            out.write((message + (message.endsWith("\r\n") ? "" : "\r\n") + ".\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            reply = reply(in);
            out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return reply;
        }
    }

    /** The last line of a (possibly multi-line) reply. */
    private static String reply(BufferedReader in) throws IOException {
        String line;
        do {
            line = in.readLine();
            if (line == null) {
                throw new IOException("connection closed by the server");
            }
        } while (line.length() > 3 && line.charAt(3) == '-');
        return line;
    }
}
