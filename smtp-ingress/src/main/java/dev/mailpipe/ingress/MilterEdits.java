package dev.mailpipe.ingress;

import dev.mailpipe.ingress.milter.MilterPacket;
import dev.mailpipe.ingress.milter.MilterProtocol;
import dev.mailpipe.scan.HeaderEdits;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The message as a milter sees it (its header fields as name and value, its body) and the changes
 * a milter asks for at its end applied to it: fields added, inserted, changed or deleted, the body
 * replaced, the message quarantined. This server's own fields at the top (the trace field and what
 * its hooks put below it) are shown to milters but never changed or moved by them. A field a milter
 * writes is made a well-formed field: CRLF line ends, every continuation line folded, so a milter
 * cannot add a line of its own making.
 */
final class MilterEdits {
    private record Field(String name, byte[] bytes, boolean own) {
    }

    private final List<Field> fields = new ArrayList<>();
    private byte[] body;
    private String quarantine;

    /** {@code message} split into its fields and its body (the empty line and what follows). */
    MilterEdits(IncomingMessage message) {
        byte[] m = message.bytes();
        int headerEnd = HeaderEdits.headerEnd(m, 0);
        int i = 0;
        while (i < headerEnd) {
            int end = HeaderEdits.fieldEnd(m, i, headerEnd);
            String name = HeaderEdits.fieldName(m, i, end);
            fields.add(new Field(name == null ? "" : name, java.util.Arrays.copyOfRange(m, i, end), i < message.headLength()));
            i = end;
        }
        body = java.util.Arrays.copyOfRange(m, Math.min(m.length, headerEnd + 2), m.length);
    }

    /** The fields as the HEADER command carries them: the value without its line end, folds as LF. */
    List<String[]> headers(boolean leadingSpace) {
        List<String[]> out = new ArrayList<>(fields.size());
        for (Field f : fields) {
            if (f.name().isEmpty()) {
                continue;
            }
            String raw = new String(f.bytes(), StandardCharsets.UTF_8);
            String value = raw.substring(raw.indexOf(':') + 1).replaceAll("\r?\n$", "").replace("\r\n", "\n");
            out.add(new String[] {f.name(), leadingSpace || !value.startsWith(" ") ? value : value.substring(1)});
        }
        return out;
    }

    byte[] body() {
        return body;
    }

    /**
     * Applies {@code modifications} in the order the milter sent them. Throws
     * {@link IllegalStateException} for one not among the {@code actions} the milter negotiated (a
     * protocol error); {@code leadingSpace}: its values carry their own space after the colon.
     */
    void apply(List<MilterPacket> modifications, int actions, boolean leadingSpace) {
        ByteArrayOutputStream newBody = null;
        for (MilterPacket p : modifications) {
            switch (p.command()) {
                case MilterProtocol.ADDHEADER -> {
                    require(actions, MilterProtocol.ACTION_ADD_HEADERS, p);
                    String[] s = p.strings();
                    add(fields.size(), s, leadingSpace);
                }
                case MilterProtocol.INSHEADER -> {
                    require(actions, MilterProtocol.ACTION_ADD_HEADERS, p);
                    add(Math.max(ownFields(), p.intAt(0)), p.strings(4), leadingSpace);
                }
                case MilterProtocol.CHGHEADER -> {
                    require(actions, MilterProtocol.ACTION_CHANGE_HEADERS, p);
                    change(p.intAt(0), p.strings(4), leadingSpace);
                }
                case MilterProtocol.REPLBODY -> {
                    require(actions, MilterProtocol.ACTION_CHANGE_BODY, p);
                    newBody = newBody == null ? new ByteArrayOutputStream() : newBody;
                    newBody.writeBytes(p.data());
                }
                case MilterProtocol.QUARANTINE -> {
                    require(actions, MilterProtocol.ACTION_QUARANTINE, p);
                    quarantine = dev.mailpipe.model.PeerText.forLog(p.strings()[0]);
                }
                default -> throw new IllegalStateException("the milter asked for '" + p.command() + "', which was not offered");
            }
        }
        if (newBody != null) {
            body = crlf(newBody.toByteArray());
        }
    }

    private static void require(int actions, int action, MilterPacket p) {
        if ((actions & action) == 0) {
            throw new IllegalStateException("the milter asked for '" + p.command() + "' without negotiating it");
        }
    }

    private int ownFields() {
        int n = 0;
        while (n < fields.size() && fields.get(n).own()) {
            n++;
        }
        return n;
    }

    private void add(int at, String[] nameValue, boolean leadingSpace) {
        if (nameValue.length < 2 || !fieldName(nameValue[0])) {
            return; // nothing a client could tell from a milter's malformed field; left out
        }
        fields.add(Math.min(at, fields.size()), new Field(nameValue[0], field(nameValue[0], nameValue[1], leadingSpace), false));
    }

    /** The {@code index}-th field of that name (from 1) gets the value; an empty value deletes it. */
    private void change(int index, String[] nameValue, boolean leadingSpace) {
        if (nameValue.length < 2 || !fieldName(nameValue[0])) {
            return;
        }
        int seen = 0;
        for (int i = 0; i < fields.size(); i++) {
            Field f = fields.get(i);
            if (f.name().equalsIgnoreCase(nameValue[0]) && ++seen == Math.max(1, index)) {
                if (f.own()) {
                    return; // this server's trace and results stay as written
                }
                if (nameValue[1].isEmpty()) {
                    fields.remove(i);
                } else {
                    fields.set(i, new Field(nameValue[0], field(nameValue[0], nameValue[1], leadingSpace), false));
                }
                return;
            }
        }
        if (!nameValue[1].isEmpty()) {
            add(fields.size(), nameValue, leadingSpace); // libmilter: a change of a field not there adds it
        }
    }

    /** RFC 5322 2.2: printable US-ASCII but the colon, and not longer than a line allows. */
    private static boolean fieldName(String name) {
        if (name.isEmpty() || name.length() > 76) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 33 || c > 126 || c == ':') {
                return false;
            }
        }
        return true;
    }

    private static byte[] field(String name, String value, boolean leadingSpace) {
        StringBuilder s = new StringBuilder(name).append(':');
        if (!leadingSpace && !value.startsWith(" ") && !value.startsWith("\t")) {
            s.append(' ');
        }
        String[] lines = value.replace("\r", "").split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (i > 0) {
                s.append("\r\n");
                if (!lines[i].startsWith(" ") && !lines[i].startsWith("\t")) {
                    s.append(' ');
                }
            }
            s.append(lines[i]);
        }
        return s.append("\r\n").toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Every line end CRLF, whatever the milter wrote. */
    private static byte[] crlf(byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(b.length + b.length / 40 + 2);
        for (int i = 0; i < b.length; i++) {
            if (b[i] == '\r') {
                continue;
            }
            if (b[i] == '\n') {
                out.write('\r');
            }
            out.write(b[i]);
        }
        return out.toByteArray();
    }

    /** The quarantine reason a milter gave, or null. */
    String quarantine() {
        return quarantine;
    }

    /** The message with the changes: this server's fields first and unchanged, then the rest, the empty line, the body. */
    void writeTo(IncomingMessage message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(message.bytes().length + 256);
        int own = 0;
        for (Field f : fields) {
            out.writeBytes(f.bytes());
            if (f.own()) {
                own += f.bytes().length;
            }
        }
        out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(body);
        message.replace(out.toByteArray(), own);
    }

    static String describe(List<MilterPacket> modifications) {
        StringBuilder s = new StringBuilder();
        for (MilterPacket p : modifications) {
            s.append(s.length() == 0 ? "" : ",").append(switch (p.command()) {
                case MilterProtocol.ADDHEADER, MilterProtocol.INSHEADER -> "add " + p.strings(p.command() == 'i' ? 4 : 0)[0];
                case MilterProtocol.CHGHEADER -> "change " + p.strings(4)[0];
                case MilterProtocol.REPLBODY -> "body";
                case MilterProtocol.QUARANTINE -> "quarantine";
                default -> String.valueOf(p.command());
            });
        }
        return dev.mailpipe.model.PeerText.forLog(s.toString().toLowerCase(Locale.ROOT));
    }
}
