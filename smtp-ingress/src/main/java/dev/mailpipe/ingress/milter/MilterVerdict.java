package dev.mailpipe.ingress.milter;

import java.util.List;

/**
 * What a milter said of one step: go on, accept (ask it nothing more about this message), reject,
 * fail temporarily or discard; {@code reply} is its own SMTP reply when it gave one
 * ({@code SMFIR_REPLYCODE}, e.g. {@code 550 5.7.1 Virus found}), and {@code modifications} what it
 * asked to change at the end of the message.
 */
public record MilterVerdict(Kind kind, String reply, List<MilterPacket> modifications) {
    public enum Kind { CONTINUE, ACCEPT, REJECT, TEMPFAIL, DISCARD }

    public static final MilterVerdict CONTINUE = new MilterVerdict(Kind.CONTINUE, null, List.of());

    /** A milter's final reply letter (and its text, for a reply code) as a verdict. */
    static MilterVerdict of(MilterPacket p, List<MilterPacket> modifications) {
        return switch (p.command()) {
            case MilterProtocol.CONTINUE -> new MilterVerdict(Kind.CONTINUE, null, modifications);
            case MilterProtocol.ACCEPT -> new MilterVerdict(Kind.ACCEPT, null, modifications);
            case MilterProtocol.REJECT -> new MilterVerdict(Kind.REJECT, null, List.of());
            case MilterProtocol.TEMPFAIL -> new MilterVerdict(Kind.TEMPFAIL, null, List.of());
            case MilterProtocol.DISCARD -> new MilterVerdict(Kind.DISCARD, null, List.of());
            case MilterProtocol.REPLYCODE -> {
                String text = p.strings()[0];
                Kind kind = text.startsWith("4") ? Kind.TEMPFAIL : text.startsWith("5") ? Kind.REJECT : null;
                if (kind == null) {
                    throw new IllegalStateException("milter reply code not 4xx or 5xx");
                }
                yield new MilterVerdict(kind, text, List.of());
            }
            default -> throw new IllegalStateException("milter answered '" + p.command() + "' out of place");
        };
    }

    public boolean refuses() {
        return kind == Kind.REJECT || kind == Kind.TEMPFAIL;
    }
}
