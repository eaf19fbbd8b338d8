package dev.mailpipe.ingress;

import dev.mailpipe.auth.DkimVerifier;
import dev.mailpipe.runtime.DnsResolvers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.james.jspf.core.DNSRequest;
import org.apache.james.jspf.core.exceptions.TimeoutException;
import org.apache.james.jspf.impl.DNSServiceXBillImpl;
import org.xbill.DNS.Lookup;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * The sender checks' DNS, through dnsjava: TXT records for DKIM keys and DMARC policies, and the
 * same resolver under jSPF. Answers are kept in dnsjava's cache for their TTL, so a busy sending
 * domain costs one query per record and TTL, not one per message.
 */
final class SenderDns implements DkimVerifier.KeyRecords {
    private final Resolver resolver;

    SenderDns(List<String> servers, Duration timeout) {
        this.resolver = DnsResolvers.of(servers, timeout);
    }

    /** For jSPF: its own lookups over this resolver (and dnsjava's cache), void lookups counted. */
    SpfLookups spfService() {
        return new SpfLookups(resolver);
    }

    /**
     * jSPF's lookups, with RFC 7208 4.6.4's count of void lookups (an empty answer or NXDOMAIN),
     * which jSPF does not keep: past {@link #MAX_VOID} the check's result is permerror, and no
     * further query leaves. One per SPF checker, which is one per thread; reset before each check.
     */
    static final class SpfLookups extends DNSServiceXBillImpl {
        static final int MAX_VOID = 2;
        private int voids;

        SpfLookups(Resolver resolver) {
            super(resolver);
        }

        void reset() {
            voids = 0;
        }

        boolean voidLimitPassed() {
            return voids > MAX_VOID;
        }

        @Override
        public List<String> getRecords(DNSRequest request) throws TimeoutException {
            if (voidLimitPassed()) {
                return List.of();
            }
            List<String> answer = super.getRecords(request);
            if (answer == null || answer.isEmpty()) {
                voids++;
            }
            return answer;
        }
    }

    @Override
    public List<String> txt(String name) throws DkimVerifier.TemporaryFailure {
        try {
            Lookup lookup = new Lookup(Name.fromString(name.endsWith(".") ? name : name + "."), Type.TXT);
            lookup.setResolver(resolver);
            Record[] records = lookup.run();
            switch (lookup.getResult()) {
                case Lookup.SUCCESSFUL -> {
                    List<String> out = new ArrayList<>();
                    for (Record r : records) {
                        // RFC 6376 3.6.2.2 and RFC 7489 6.1: a record's strings are joined with nothing between.
                        out.add(String.join("", ((TXTRecord) r).getStrings()));
                    }
                    return out;
                }
                case Lookup.HOST_NOT_FOUND, Lookup.TYPE_NOT_FOUND -> {
                    return List.of();
                }
                default -> throw new DkimVerifier.TemporaryFailure(name + ": " + lookup.getErrorString());
            }
        } catch (TextParseException e) {
            return List.of();
        }
    }
}
