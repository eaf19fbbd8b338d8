package dev.mailpipe.ingress.milter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The client side of the milter protocol against a milter scripted here, byte for byte: what it is
 * sent, and what becomes of what it answers, hostile answers included (lengths past the bound,
 * silence, actions it did not negotiate).
 */
@Tag("unit")
class MilterSessionTest {
    private final Vertx vertx = Vertx.vertx();
    private final NetClient client = vertx.createNetClient();
    private ServerSocket server;
    /** Every packet the scripted milter received, as {@code letter:data} with NULs shown as '|'. */
    private final List<String> received = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void close() throws IOException {
        if (server != null) {
            server.close();
        }
        vertx.close();
    }

    interface Script {
        void play(DataInputStream in, DataOutputStream out) throws IOException;
    }

    private String start(Script script) throws IOException {
        server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            try (Socket s = server.accept()) {
                script.play(new DataInputStream(s.getInputStream()), new DataOutputStream(s.getOutputStream()));
                Thread.sleep(5000);
            } catch (IOException | InterruptedException e) {
                // the client closed: the script is over
            }
        });
        t.setDaemon(true);
        t.start();
        return "inet:127.0.0.1:" + server.getLocalPort();
    }

    private char read(DataInputStream in) throws IOException {
        int length = in.readInt();
        char letter = (char) in.readByte();
        byte[] data = in.readNBytes(length - 1);
        received.add(letter + ":" + new String(data, StandardCharsets.ISO_8859_1).replace('\0', '|'));
        return letter;
    }

    private static void write(DataOutputStream out, char letter, byte[] data) throws IOException {
        out.writeInt(1 + data.length);
        out.writeByte(letter);
        out.write(data);
        out.flush();
    }

    private static void options(DataOutputStream out, int actions, int steps) throws IOException {
        write(out, 'O', Buffer.buffer().appendInt(6).appendInt(actions).appendInt(steps).getBytes());
    }

    private <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

    private Throwable failure(Future<?> f) throws Exception {
        CompletableFuture<Throwable> why = new CompletableFuture<>();
        f.onComplete(r -> why.complete(r.cause()));
        Throwable t = why.get(20, TimeUnit.SECONDS);
        assertTrue(t != null, "expected a failure");
        return t;
    }

    private Future<MilterSession> open(String address, Duration timeout) {
        return MilterSession.open(vertx, client, address, timeout, timeout);
    }

    @Test
    void aWholeConversationIsSentInTheProtocolsOrderAndTheChangesComeBack() throws Exception {
        String address = start((in, out) -> {
            read(in);
            options(out, MilterProtocol.ACTION_ADD_HEADERS | MilterProtocol.ACTION_CHANGE_HEADERS, MilterProtocol.NR_HEADER);
            for (char c = read(in); c != 'E'; c = read(in)) {
                if (c != 'D' && c != 'L') {
                    write(out, 'c', new byte[0]);
                }
            }
            write(out, 'h', "X-Scanned\0yes\0".getBytes(StandardCharsets.US_ASCII));
            write(out, 'p', new byte[0]);
            write(out, 'm', Buffer.buffer().appendInt(1).appendBytes("Subject\0\0".getBytes()).getBytes());
            write(out, 'c', new byte[0]);
        });
        MilterSession s = await(open(address, Duration.ofSeconds(10)));
        assertEquals(MilterVerdict.Kind.CONTINUE, await(s.connect(Map.of("j", "mx.test"), "[192.0.2.7]", "192.0.2.7")).kind());
        assertEquals(MilterVerdict.Kind.CONTINUE, await(s.helo(Map.of(), "client.test")).kind());
        assertEquals(MilterVerdict.Kind.CONTINUE, await(s.mail(Map.of("{mail_addr}", "a@b.test"), "a@b.test")).kind());
        assertEquals(MilterVerdict.Kind.CONTINUE, await(s.rcpt(Map.of(), "c@d.test")).kind());
        byte[] body = new byte[MilterProtocol.BODY_CHUNK + 10];
        MilterVerdict end = await(s.content(Map.of("i", "Q1"), List.<String[]>of(new String[] {"Subject", "hi\n there"}), body, 1 << 20));
        assertEquals(MilterVerdict.Kind.CONTINUE, end.kind());
        assertEquals(List.of('h', 'm'), end.modifications().stream().map(MilterPacket::command).toList());
        s.quit();
        List<String> got = List.copyOf(received);
        assertTrue(got.get(0).startsWith("O:"), got.toString());
        assertEquals("D:Cj|mx.test|", got.get(1));
        assertEquals("C:[192.0.2.7]|4||192.0.2.7|", got.get(2), "host, family, port 0, address");
        assertEquals("H:client.test|", got.get(3));
        assertEquals("D:M{mail_addr}|a@b.test|", got.get(4));
        assertEquals("M:<a@b.test>|", got.get(5));
        assertEquals("R:<c@d.test>|", got.get(6));
        assertEquals("D:Ti|Q1|", got.get(7));
        assertEquals("T:", got.get(8));
        assertEquals("L:Subject|hi\n there|", got.get(9));
        assertTrue(got.get(10).startsWith("D:Ni|Q1|") && got.get(11).equals("N:"), got.toString());
        assertEquals(2, got.stream().filter(p -> p.startsWith("B:")).count(), "the body in two chunks");
        assertTrue(got.stream().anyMatch(p -> p.equals("E:")), got.toString());
    }

    @Test
    void aLengthPastTheBoundFailsWithoutBeingRead() throws Exception {
        String address = start((in, out) -> {
            read(in);
            out.writeInt(Integer.MAX_VALUE);
            out.flush();
        });
        assertTrue(failure(open(address, Duration.ofSeconds(10))).getMessage().contains("out of bounds"));
    }

    @Test
    void aSilentMilterFailsAtItsTimeoutAndProgressRepliesExtendIt() throws Exception {
        String address = start((in, out) -> {
            read(in);
            options(out, 0, 0);
            read(in); // connect: progress twice, 300 ms apart, past a 500 ms timeout; then the answer
            for (int i = 0; i < 2; i++) {
                sleep(300);
                write(out, 'p', new byte[0]);
            }
            sleep(300);
            write(out, 'c', new byte[0]);
            read(in); // HELO: nothing ever
        });
        MilterSession s = await(open(address, Duration.ofMillis(500)));
        assertEquals(MilterVerdict.Kind.CONTINUE, await(s.connect(Map.of(), "[192.0.2.7]", "192.0.2.7")).kind());
        long started = System.nanoTime();
        assertTrue(failure(s.helo(Map.of(), "client.test")).getMessage().contains("no answer"));
        assertTrue(System.nanoTime() - started < Duration.ofSeconds(5).toNanos());
    }

    @Test
    void aMilterWantingActionsNotOfferedIsRefusedAtNegotiation() throws Exception {
        String address = start((in, out) -> {
            read(in);
            options(out, 0x04 /* add recipients */, 0);
        });
        assertTrue(failure(open(address, Duration.ofSeconds(10))).getMessage().contains("not offered"));
    }

    @Test
    void stepsTheMilterSparesAreNotSentAndItsReplyCodeIsKept() throws Exception {
        String address = start((in, out) -> {
            read(in);
            options(out, 0, MilterProtocol.NO_CONNECT | MilterProtocol.NO_HELO | MilterProtocol.NR_MAIL);
            read(in); // MAIL, unanswered
            read(in); // RCPT
            write(out, 'y', "550 5.7.1 no such user here\0".getBytes(StandardCharsets.US_ASCII));
        });
        MilterSession s = await(open(address, Duration.ofSeconds(10)));
        assertEquals(MilterVerdict.Kind.CONTINUE, await(s.connect(Map.of(), "[192.0.2.7]", "192.0.2.7")).kind());
        assertEquals(MilterVerdict.Kind.CONTINUE, await(s.helo(Map.of(), "client.test")).kind());
        assertEquals(MilterVerdict.Kind.CONTINUE, await(s.mail(Map.of(), "a@b.test")).kind());
        MilterVerdict v = await(s.rcpt(Map.of(), "x@d.test"));
        assertEquals(MilterVerdict.Kind.REJECT, v.kind());
        assertEquals("550 5.7.1 no such user here", v.reply());
        assertEquals(List.of('O', 'M', 'R'), received.stream().map(p -> p.charAt(0)).toList());
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
