package dev.mailpipe.ingress.milter;

/**
 * The names of Sendmail's milter protocol, version 6 as Postfix speaks it (libmilter's
 * {@code mfdef.h}): the MTA's commands, the milter's replies, and the option bits negotiated first.
 */
public final class MilterProtocol {
    private MilterProtocol() {
    }

    public static final int VERSION = 6;

    // The MTA's commands (SMFIC_*).
    public static final char OPTNEG = 'O';
    public static final char MACRO = 'D';
    public static final char CONNECT = 'C';
    public static final char HELO = 'H';
    public static final char MAIL = 'M';
    public static final char RCPT = 'R';
    public static final char DATA = 'T';
    public static final char HEADER = 'L';
    public static final char EOH = 'N';
    public static final char BODY = 'B';
    public static final char EOM = 'E';
    public static final char ABORT = 'A';
    public static final char QUIT = 'Q';

    // The milter's replies (SMFIR_*).
    public static final char CONTINUE = 'c';
    public static final char ACCEPT = 'a';
    public static final char REJECT = 'r';
    public static final char TEMPFAIL = 't';
    public static final char DISCARD = 'd';
    public static final char REPLYCODE = 'y';
    public static final char SKIP = 's';
    public static final char PROGRESS = 'p';
    public static final char QUARANTINE = 'q';
    public static final char ADDHEADER = 'h';
    public static final char INSHEADER = 'i';
    public static final char CHGHEADER = 'm';
    public static final char REPLBODY = 'b';

    // What the milter may do at the end of the message (SMFIF_*): the ones mailpipe carries out.
    // Adding or removing recipients and changing the sender are not offered: a milter that needs
    // them negotiates them away or fails negotiation, and its default action applies.
    public static final int ACTION_ADD_HEADERS = 0x01;
    public static final int ACTION_CHANGE_BODY = 0x02;
    public static final int ACTION_CHANGE_HEADERS = 0x10;
    public static final int ACTION_QUARANTINE = 0x20;
    public static final int ACTIONS_OFFERED = ACTION_ADD_HEADERS | ACTION_CHANGE_BODY | ACTION_CHANGE_HEADERS | ACTION_QUARANTINE;

    // Steps a milter may ask not to be sent (SMFIP_NO*), and steps it will not answer (SMFIP_NR_*).
    public static final int NO_CONNECT = 0x01;
    public static final int NO_HELO = 0x02;
    public static final int NO_MAIL = 0x04;
    public static final int NO_RCPT = 0x08;
    public static final int NO_BODY = 0x10;
    public static final int NO_HEADERS = 0x20;
    public static final int NO_EOH = 0x40;
    public static final int NR_HEADER = 0x80;
    public static final int NO_UNKNOWN = 0x100;
    public static final int NO_DATA = 0x200;
    public static final int SKIP_OK = 0x400;
    public static final int NR_CONNECT = 0x1000;
    public static final int NR_HELO = 0x2000;
    public static final int NR_MAIL = 0x4000;
    public static final int NR_RCPT = 0x8000;
    public static final int NR_DATA = 0x10000;
    public static final int NR_EOH = 0x40000;
    public static final int NR_BODY = 0x80000;
    public static final int HEADER_LEADING_SPACE = 0x100000;
    /** Every step mailpipe can leave out or not wait for (it never sends rejected recipients or unknown commands). */
    public static final int STEPS_OFFERED = 0x7FF & ~0x800 | NR_CONNECT | NR_HELO | NR_MAIL | NR_RCPT | NR_DATA | 0x20000
            | NR_EOH | NR_BODY | HEADER_LEADING_SPACE;

    /** The largest body chunk one BODY command carries (libmilter's MILTER_CHUNK_SIZE). */
    public static final int BODY_CHUNK = 65535;
}
