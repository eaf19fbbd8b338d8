package dev.mailpipe.ingress;

import dev.mailpipe.auth.AuthenticationResults;
import dev.mailpipe.auth.CrlfLines;
import dev.mailpipe.auth.DkimVerifier;
import dev.mailpipe.auth.Dmarc;
import dev.mailpipe.auth.HeaderFields;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.james.jspf.impl.SPF;

/**
 * SPF, DKIM and DMARC for one incoming message, and what follows from them: the
 * Authentication-Results field on top of it (any that claimed this server's id removed), a
 * quarantine mark, or a refusal at the end of data. Blocking (DNS): run off the event loop.
 */
final class SenderChecks {
    /** The message to queue (null when refused), the refusal, and the results in short for logs and events. */
    record Verdict(byte[] message, Reply refusal, String summary) {
    }

    private final SenderChecksConfig config;
    private final MeterRegistry registry;
    private final SenderDns dns;
    private final DkimVerifier dkim;
    private final Dmarc dmarc;
    /** jSPF's checker keeps per-check state in its session; one per worker thread keeps them apart. */
    private final ThreadLocal<SPF> spf;

    SenderChecks(SenderChecksConfig config, MeterRegistry registry) {
        this.config = config;
        this.registry = registry;
        this.dns = new SenderDns(config.dnsServers().orElse(List.of()), config.dnsTimeout());
        this.dkim = new DkimVerifier(dns);
        this.dmarc = new Dmarc(dns);
        this.spf = ThreadLocal.withInitial(() -> {
            SPF s = new SPF(dns.spfService());
            s.setTimeOut((int) Math.max(1, config.dnsTimeout().toSeconds()));
            return s;
        });
    }

    Verdict check(String clientIp, String helo, String mailFrom, byte[] stored) {
        byte[] message = CrlfLines.of(stored);
        // RFC 7208 2.4: for the null sender, the HELO identity's domain stands in.
        String spfIdentity = mailFrom.isEmpty() ? "postmaster@" + helo : mailFrom;
        String spfDomain = spfIdentity.substring(spfIdentity.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
        String spfResult = spf.get().checkSPF(clientIp, spfIdentity, helo).getResult();
        List<DkimVerifier.Result> signatures = dkim.verify(message);
        HeaderFields head = HeaderFields.of(message);
        String from = head.count("From") == 1 ? head.fromDomain() : null;
        Dmarc.Result verdict = dmarc.evaluate(from, spfResult, spfDomain, signatures);

        List<String> clauses = new ArrayList<>();
        clauses.add("spf=" + spfResult + (mailFrom.isEmpty() ? " smtp.helo=" + AuthenticationResults.pvalue(helo)
                : " smtp.mailfrom=" + AuthenticationResults.pvalue(mailFrom)));
        if (signatures.isEmpty()) {
            clauses.add("dkim=none");
        }
        for (DkimVerifier.Result r : signatures) {
            clauses.add("dkim=" + r.result() + (r.reason() == null ? "" : " (" + r.reason().replace("(", "").replace(")", "") + ")")
                    + (r.domain() == null ? "" : " header.d=" + r.domain() + " header.s=" + AuthenticationResults.pvalue(r.selector())
                    + " header.a=" + r.algorithm() + " header.b=" + AuthenticationResults.pvalue(r.b())));
        }
        clauses.add(verdict.clause());
        count("spf", spfResult);
        signatures.forEach(r -> count("dkim", r.result()));
        count("dmarc", verdict.result());

        String summary = "spf=" + spfResult + " dkim=" + (signatures.isEmpty() ? "none"
                : String.join(",", signatures.stream().map(DkimVerifier.Result::result).toList())) + " dmarc=" + verdict.result();
        SenderChecksConfig.Action action = action(verdict);
        registry.counter("mailpipe.ingress.sender.actions", "action", action.name().toLowerCase(Locale.ROOT)).increment();
        switch (action) {
            case REJECT -> {
                return new Verdict(null, Reply.of(550, "5.7.1", "Message rejected: " + verdict.fromDomain()
                        + " publishes a DMARC policy of reject, and " + verdict.reason()), summary);
            }
            case DEFER -> {
                return new Verdict(null, "temperror".equals(spfResult)
                        ? Reply.of(451, "4.7.24", "Temporary DNS error checking SPF of " + spfDomain + ", try again later")
                        : Reply.of(451, "4.7.1", "Temporary DNS error checking DMARC of " + verdict.fromDomain() + ", try again later"),
                        summary);
            }
            default -> {
                String top = AuthenticationResults.field(config.authservId(), clauses);
                if (action == SenderChecksConfig.Action.QUARANTINE) {
                    top = config.quarantineHeader() + ": " + verdict.clause() + "\r\n" + top;
                }
                ByteArrayOutputStream out = new ByteArrayOutputStream(message.length + top.length());
                out.writeBytes(top.getBytes(StandardCharsets.UTF_8));
                out.writeBytes(AuthenticationResults.withoutClaimsOf(config.authservId(), message));
                return new Verdict(out.toByteArray(), null, summary);
            }
        }
    }

    /** The configured action for the DMARC verdict; TAG for everything that passed or has no policy. */
    private SenderChecksConfig.Action action(Dmarc.Result verdict) {
        return switch (verdict.result()) {
            case "fail" -> switch (verdict.applied()) {
                case "reject" -> config.dmarcReject();
                case "quarantine" -> config.dmarcQuarantine();
                default -> SenderChecksConfig.Action.TAG;
            };
            case "temperror" -> config.dmarcTemperror() == SenderChecksConfig.Action.DEFER
                    ? SenderChecksConfig.Action.DEFER : SenderChecksConfig.Action.TAG;
            default -> SenderChecksConfig.Action.TAG;
        };
    }

    private void count(String method, String result) {
        registry.counter("mailpipe.ingress.sender.checks", "method", method, "result", result).increment();
    }
}
