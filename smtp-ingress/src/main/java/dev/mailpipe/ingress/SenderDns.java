package dev.mailpipe.ingress;

import dev.mailpipe.auth.DkimVerifier;
import dev.mailpipe.model.DnsResolvers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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

    /** For jSPF: its own lookups over this resolver (and dnsjava's cache). */
    DNSServiceXBillImpl spfService() {
        return new DNSServiceXBillImpl(resolver);
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
