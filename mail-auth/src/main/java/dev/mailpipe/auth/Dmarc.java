package dev.mailpipe.auth;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * DMARC (RFC 7489): the policy of the domain in From (6.6.3: its own record, else its
 * organizational domain's), and whether the message passes it: SPF or DKIM passing for a domain
 * aligned with From.
 */
public final class Dmarc {
    /** The published policy: p (or sp, for a subdomain under the organization's record), alignment modes, pct. */
    public record Policy(String domain, String p, String sp, boolean strictDkim, boolean strictSpf, int pct) {
        /** The request for mail from {@code from}: sp when the record is the organization's and From is below it. */
        String requestFor(String from) {
            return !from.equalsIgnoreCase(domain) && sp != null ? sp : p;
        }
    }

    /** The evaluation, as Authentication-Results and the ingress's policy read it. */
    public record Result(String result, String fromDomain, String requested, String applied, String reason) {
        /** RFC 8601's {@code dmarc=} clause. */
        public String clause() {
            return "dmarc=" + result + (requested == null ? "" : " (p=" + requested + (applied.equals(requested) ? "" : " applied=" + applied) + ")")
                    + (fromDomain == null ? "" : " header.from=" + fromDomain);
        }
    }

    /** TXT records of a name; DkimVerifier's lookups serve both. */
    private final DkimVerifier.KeyRecords dns;

    public Dmarc(DkimVerifier.KeyRecords dns) {
        this.dns = dns;
    }

    /**
     * @param from the From domain (null when From has no single address: permerror)
     * @param spf SPF's result, and the domain it was for (the MAIL FROM domain, or HELO for {@code <>})
     */
    public Result evaluate(String from, String spf, String spfDomain, List<DkimVerifier.Result> dkim) {
        if (from == null) {
            return new Result("permerror", null, null, "none", "no single author domain in From");
        }
        Policy policy;
        try {
            policy = discover(from);
        } catch (DkimVerifier.TemporaryFailure e) {
            return new Result("temperror", from, null, "none", "policy lookup: " + e.getMessage());
        }
        if (policy == null) {
            return new Result("none", from, null, "none", "no DMARC record");
        }
        String requested = policy.requestFor(from);
        boolean spfAligned = "pass".equals(spf) && OrganizationalDomain.aligned(spfDomain, from, policy.strictSpf());
        boolean dkimAligned = dkim.stream().anyMatch(r -> r.pass() && OrganizationalDomain.aligned(r.domain(), from, policy.strictDkim()));
        if (spfAligned || dkimAligned) {
            return new Result("pass", from, requested, "none", spfAligned ? "SPF aligned" : "DKIM aligned");
        }
        boolean temporary = "temperror".equals(spf) || dkim.stream().anyMatch(r -> r.result().equals("temperror")
                && OrganizationalDomain.aligned(r.domain(), from, policy.strictDkim()));
        if (temporary) {
            return new Result("temperror", from, requested, "none", "an aligned check could not be completed");
        }
        // 6.6.4: pct samples which failing messages get the policy; the others get the next milder one.
        String applied = requested;
        if (policy.pct() < 100 && ThreadLocalRandom.current().nextInt(100) >= policy.pct()) {
            applied = requested.equals("reject") ? "quarantine" : "none";
        }
        return new Result("fail", from, requested, applied, "neither SPF nor DKIM aligned with " + from);
    }

    /** RFC 7489 6.6.3: the From domain's record, else its organizational domain's; null when neither has one. */
    Policy discover(String from) throws DkimVerifier.TemporaryFailure {
        Policy own = record(from);
        if (own != null) {
            return own;
        }
        String org = OrganizationalDomain.of(from);
        return org.equalsIgnoreCase(from) ? null : record(org);
    }

    private Policy record(String domain) throws DkimVerifier.TemporaryFailure {
        List<String> found = new ArrayList<>();
        for (String txt : dns.txt("_dmarc." + domain)) {
            if (txt.trim().matches("(?i)v\\s*=\\s*DMARC1\\s*(;.*)?")) {
                found.add(txt);
            }
        }
        // 6.6.3: more than one record, or none, is no policy.
        return found.size() == 1 ? parse(domain, found.get(0)) : null;
    }

    /** A record's tags (6.3); an invalid p= with a valid rua= counts as p=none, other junk as no policy. */
    static Policy parse(String domain, String record) {
        Map<String, String> tags = new LinkedHashMap<>();
        for (String part : record.split(";")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                tags.put(part.substring(0, eq).trim().toLowerCase(Locale.ROOT), part.substring(eq + 1).trim());
            }
        }
        String p = policyWord(tags.get("p"));
        if (p == null) {
            if (!tags.containsKey("rua")) {
                return null;
            }
            p = "none";
        }
        int pct = 100;
        try {
            pct = Math.max(0, Math.min(100, Integer.parseInt(tags.getOrDefault("pct", "100"))));
        } catch (NumberFormatException ignored) {
            // 6.3: an invalid pct is the default.
        }
        return new Policy(domain.toLowerCase(Locale.ROOT), p, policyWord(tags.get("sp")), "s".equalsIgnoreCase(tags.get("adkim")),
                "s".equalsIgnoreCase(tags.get("aspf")), pct);
    }

    private static String policyWord(String v) {
        if (v == null) {
            return null;
        }
        String w = v.toLowerCase(Locale.ROOT);
        return w.equals("none") || w.equals("quarantine") || w.equals("reject") ? w : null;
    }
}
