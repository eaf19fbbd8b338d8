package dev.mailpipe.relay;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * An SMTP server that follows a script, for one connection: each step either sends canned reply
 * lines or expects the client's next line to match a pattern. A line that does not match ends the
 * script as failed, so a test learns exactly where the client left the expected conversation.
 */
public final class ScriptedServer implements AutoCloseable {
    private sealed interface Step permits Send, Expect, ExpectData, Flood, Hold, Pause {
    }

    private record Pause(long millis) implements Step {
    }

    /** Writes {@code chunk} again and again until the client goes away. */
    private record Flood(String chunk) implements Step {
    }

    /** Says nothing more, reads and drops what comes, until the client goes away. */
    private record Hold() implements Step {
    }

    private record Send(String lines) implements Step {
    }

    private record Expect(String regex) implements Step {
    }

    /** Message text up to the lone dot, kept for the test. */
    private record ExpectData() implements Step {
    }

    private final List<Step> steps = new ArrayList<>();
    private final List<String> received = Collections.synchronizedList(new ArrayList<>());
    private final StringBuilder data = new StringBuilder();
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    /** Completes when a flood or hold step ends: the client closed the connection. */
    public final CompletableFuture<Void> floodEnded = new CompletableFuture<>();
    private ServerSocket server;
    private ScriptedServer next;

    public ScriptedServer send(String... replyLines) {
        steps.add(new Send(String.join("\r\n", replyLines) + "\r\n"));
        return this;
    }

    public ScriptedServer expect(String regex) {
        steps.add(new Expect(regex));
        return this;
    }

    public ScriptedServer expectData() {
        steps.add(new ExpectData());
        return this;
    }

    public ScriptedServer flood(String chunk) {
        steps.add(new Flood(chunk));
        return this;
    }

    public ScriptedServer pause(long millis) {
        steps.add(new Pause(millis));
        return this;
    }

    public ScriptedServer hold() {
        steps.add(new Hold());
        return this;
    }

    /** The connection after this script's plays {@code next} (a client that connects again). */
    public ScriptedServer thenNextConnection(ScriptedServer next) {
        this.next = next;
        return this;
    }

    /** Listens on {@code address} and plays the script to the first client. Returns the port. */
    public int start(String address) throws IOException {
        return start(address, 0);
    }

    /** On a given port (several servers on several addresses, one port, as a relay sees MX hosts). */
    public int start(String address, int port) throws IOException {
        server = new ServerSocket(port, 1, InetAddress.getByName(address));
        Thread t = new Thread(this::play, "scripted-smtp-server");
        t.setDaemon(true);
        t.start();
        return server.getLocalPort();
    }

    private void play() {
        try (Socket s = server.accept()) {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
            OutputStream out = s.getOutputStream();
            for (Step step : steps) {
                if (step instanceof Send send) {
                    out.write(send.lines().getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                } else if (step instanceof Expect expect) {
                    String line = in.readLine();
                    received.add(line);
                    if (line == null || !line.matches(expect.regex())) {
                        throw new IllegalStateException("expected " + expect.regex() + ", got " + line);
                    }
                } else if (step instanceof Flood flood) {
                    byte[] chunk = flood.chunk().getBytes(StandardCharsets.ISO_8859_1);
                    try {
                        while (true) {
                            out.write(chunk);
                        }
                    } catch (IOException clientGone) {
                        floodEnded.complete(null);
                    }
                } else if (step instanceof Pause pause) {
                    Thread.sleep(pause.millis());
                } else if (step instanceof Hold) {
                    try {
                        while (s.getInputStream().read() >= 0) {
                            // dropped
                        }
                    } catch (IOException clientGone) {
                        // as expected
                    }
                    floodEnded.complete(null);
                } else {
                    for (String line = in.readLine(); !".".equals(line); line = in.readLine()) {
                        if (line == null) {
                            throw new IllegalStateException("connection closed inside DATA");
                        }
                        data.append(line).append("\r\n");
                    }
                }
            }
            done.complete(null);
        } catch (IOException | RuntimeException e) {
            next = null;
            done.completeExceptionally(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            done.completeExceptionally(e);
            return;
        }
        if (next != null) {
            next.server = server;
            next.play();
        }
    }

    /** Waits for the script to be played to its end; fails with the step the client missed. */
    public void awaitScript() throws Exception {
        done.get(10, TimeUnit.SECONDS);
    }

    public List<String> received() {
        return List.copyOf(received);
    }

    public String data() {
        return data.toString();
    }

    @Override
    public void close() throws IOException {
        if (server != null) {
            server.close();
        }
    }
}
