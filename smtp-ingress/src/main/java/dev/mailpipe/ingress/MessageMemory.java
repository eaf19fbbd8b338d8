package dev.mailpipe.ingress;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The message bytes all sessions together may hold: what DATA and BDAT have stored so far, and
 * messages waiting for their sender checks or for Kafka. Each session takes from it as its message
 * grows and gives all back when the transaction ends or the connection closes. A client address
 * (an IPv6 client's /64) may hold only a share, so that one client's sessions cannot starve the
 * others; a message that cannot have the memory is read to its end and refused with
 * {@code 452 4.3.1}, or at MAIL when its declared SIZE could not fit, never an OutOfMemoryError.
 */
final class MessageMemory {
    /** Memory is taken in steps of this much, so that a message does not touch the shared counters at every line. */
    static final long STEP = 64 * 1024;

    private final long budget;
    private final long perClient;
    private final AtomicLong used = new AtomicLong();
    /** Per client, what its sessions hold; updated with compute() alone, so a count is never lost to a removal. */
    private final ConcurrentHashMap<String, Long> byClient = new ConcurrentHashMap<>();

    MessageMemory(long budget, double clientShare) {
        if (budget <= 0 || clientShare <= 0 || clientShare > 1) {
            throw new IllegalArgumentException("message memory " + budget + " with a client share of " + clientShare);
        }
        this.budget = budget;
        this.perClient = Math.max(STEP, (long) (budget * clientShare));
    }

    /**
     * The budget of a JVM whose heap is {@code maxHeap} when none is configured: a quarter of it.
     * Each message is held once as stored, may be copied once more when it is queued, and the
     * producer keeps its own copy until the broker has it; the rest is the server's own.
     */
    static long defaultBudget(long maxHeap) {
        return maxHeap / 4;
    }

    /**
     * The message memory the settings ask for, refused at start when no message of the largest
     * size could ever be held, or the largest size could not fit a record of {@code mail.inbound}.
     */
    static MessageMemory of(IngressConfig config) {
        return of(config.maxMessageSize(), config.messageMemory(), config.messageMemoryClientShare(),
                Runtime.getRuntime().maxMemory());
    }

    /** As {@link #of(IngressConfig)}: {@code configured} 0 takes the default from {@code maxHeap}. */
    static MessageMemory of(long maxMessageSize, long configured, double clientShare, long maxHeap) {
        if (maxMessageSize > dev.mailpipe.model.Topics.MAX_MESSAGE_BYTES) {
            throw new IllegalStateException("mailpipe.ingress.max-message-size " + maxMessageSize
                    + " is above what a record of the topics can hold with its headers ("
                    + dev.mailpipe.model.Topics.MAX_MESSAGE_BYTES + " octets)");
        }
        long budget = configured > 0 ? configured : defaultBudget(maxHeap);
        long oneMessage = maxMessageSize + STEP;
        if (budget < oneMessage) {
            throw new IllegalStateException("message memory of " + budget + " octets cannot hold one message of "
                    + "mailpipe.ingress.max-message-size (" + maxMessageSize + "): give the JVM more heap, "
                    + "or set mailpipe.ingress.message-memory");
        }
        double share = Math.max(clientShare, (double) oneMessage / budget);
        return new MessageMemory(budget, Math.min(1.0, share));
    }

    long budget() {
        return budget;
    }

    long used() {
        return used.get();
    }


    /** One session's account: what it holds, taken and given back through it. */
    Account account(String client) {
        return new Account(client);
    }

    final class Account {
        private final String client;
        private long held;

        private Account(String client) {
            this.client = client;
        }

        /** Takes {@code n} more octets (rounded up to a step); false, taking nothing, when the budget or the client's share is spent. */
        boolean take(long n) {
            long want = Math.max(n, STEP);
            boolean[] granted = {false};
            byClient.compute(client, (c, mine) -> {
                long now = mine == null ? 0 : mine;
                if (now + want > perClient) {
                    return mine;
                }
                granted[0] = true;
                return now + want;
            });
            if (!granted[0]) {
                return false;
            }
            if (used.addAndGet(want) > budget) {
                used.addAndGet(-want);
                giveBack(client, want);
                return false;
            }
            held += want;
            return true;
        }

        long held() {
            return held;
        }

        /** Gives back all it holds (the transaction ended, the connection closed). */
        void release() {
            if (held == 0) {
                return;
            }
            used.addAndGet(-held);
            giveBack(client, held);
            held = 0;
        }
    }

    private void giveBack(String client, long n) {
        byClient.computeIfPresent(client, (c, mine) -> mine - n <= 0 ? null : mine - n);
    }
}
