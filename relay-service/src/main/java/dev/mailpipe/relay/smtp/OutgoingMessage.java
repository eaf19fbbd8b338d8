package dev.mailpipe.relay.smtp;

import dev.mailpipe.auth.CrlfLines;
import dev.mailpipe.auth.HeaderFields;
import dev.mailpipe.model.Envelope;
import dev.mailpipe.relay.dkim.DkimSigning;
import dev.mailpipe.runtime.DkimKeys;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A message as it leaves for one peer: line endings made CRLF, converted to 7 bits when it is
 * 8-bit and the peer lacks 8BITMIME (RFC 6152 3), then DKIM-signed. Those are the exact bytes sent,
 * so the signature holds; each of the (at most two) forms is made once, when a peer first asks for it.
 */
public final class OutgoingMessage {
    /** The bytes to send, and whether they still need BODY=8BITMIME. */
    record Form(byte[] bytes, boolean eightBit) {
    }

    private final Envelope envelope;
    private final byte[] stored;
    private final DkimSigning signing;
    private Form asIs;
    private Form sevenBit;
    private List<DkimKeys.Key> signedWith = List.of();

    public OutgoingMessage(Envelope envelope, byte[] stored, DkimSigning signing) {
        this.envelope = envelope;
        this.stored = stored;
        this.signing = signing;
    }

    /** A message that is converted when a peer needs it, and never signed. */
    public static OutgoingMessage unsigned(Envelope envelope, byte[] stored) {
        return new OutgoingMessage(envelope, stored, null);
    }

    /** The form for a peer that does, or does not, offer 8BITMIME. */
    Form forPeer(boolean peerTakesEightBit) {
        boolean eightBit = envelope.body() != Envelope.BodyType.SEVEN_BIT;
        // A client that declared 7BIT and sent 8-bit octets anyway is converted for such a peer too.
        if (peerTakesEightBit || envelope.body() == Envelope.BodyType.BINARY_MIME
                || !eightBit && !SevenBitConversion.hasEightBit(stored)) {
            if (asIs == null) {
                asIs = new Form(signed(CrlfLines.of(stored)), eightBit);
            }
            return asIs;
        }
        if (sevenBit == null) {
            byte[] converted = SevenBitConversion.convert(CrlfLines.of(stored));
            sevenBit = new Form(signed(converted), false);
        }
        return sevenBit;
    }

    private byte[] signed(byte[] crlf) {
        if (signing == null || !signing.mayDo(envelope)) {
            return crlf;
        }
        List<DkimKeys.Key> keys = signing.keysFor(envelope, HeaderFields.of(crlf));
        if (keys.isEmpty()) {
            return crlf;
        }
        signedWith = keys;
        return signing.sign(crlf, keys);
    }

    /** The signatures made, as {@code d=domain s=selector} pairs, or null when none was. */
    public String signatures() {
        return signedWith.isEmpty() ? null
                : signedWith.stream().map(k -> "d=" + k.domain() + " s=" + k.selector()).collect(Collectors.joining(", "));
    }
}
