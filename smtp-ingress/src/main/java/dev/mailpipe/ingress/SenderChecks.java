package dev.mailpipe.ingress;

import dev.mailpipe.auth.AuthenticationResults;
import dev.mailpipe.auth.CrlfLines;
import dev.mailpipe.auth.DkimVerifier;
import dev.mailpipe.auth.Dmarc;
import dev.mailpipe.auth.HeaderFields;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.james.jspf.impl.SPF;

/**
 * SPF, DKIM and DMARC for one incoming message, and what follows from them: the
 * Authentication-Results field on top of it (any that claimed this server's id removed), a
 * quarantine mark, or a refusal at the end of data. Blocking (DNS): {@link #submit} runs them on
 * threads of their own, bounded in number, queue and time.
 */
final class SenderChecks {
    /**
     * The message to queue (null when refused), the refusal, the results in short for logs and
     * events, and whether DMARC's quarantine applies (the mail goes to the recipient's Junk folder).
     */
    record Verdict(byte[] message, Reply refusal, String summary, boolean quarantined) {
        Verdict(byte[] message, Reply refusal, String summary) {
            this(message, refusal, summary, false);
        }
    }

    private final SenderChecksConfig config;
    private final MeterRegistry registry;
    private final SenderDns dns;
    private final DkimVerifier dkim;
    private final Dmarc dmarc;
    /** jSPF's checker keeps per-check state in its session; one per thread keeps them apart. */
    private final ThreadLocal<Spf> spf;
    /** The checks' own threads and their bounded queue. */
    private final ThreadPoolExecutor pool;

    private record Spf(SPF checker, SenderDns.SpfLookups dns) {
    }

    /** A message's checks under way: their verdict, or the way to call them off. */
    record Checking(Future<Verdict> verdict, Runnable cancel) {
    }

    SenderChecks(SenderChecksConfig config, MeterRegistry registry) {
        this.config = config;
        this.registry = registry;
        this.dns = new SenderDns(config.dnsServers().orElse(List.of()), config.dnsTimeout());
        this.dkim = new DkimVerifier(dns);
        this.dmarc = new Dmarc(dns);
        this.spf = ThreadLocal.withInitial(() -> {
            SenderDns.SpfLookups lookups = dns.spfService();
            SPF s = new SPF(lookups);
            s.setTimeOut((int) Math.max(1, config.dnsTimeout().toSeconds()));
            return new Spf(s, lookups);
        });
        AtomicInteger threads = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(config.threads(), config.threads(), 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(config.queue()), r -> {
                    Thread t = new Thread(r, "sender-checks-" + threads.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
    }

    /**
     * Runs {@link #check} on the checks' own threads, and completes on the caller's side within
     * {@code deadline}: what has not finished by then is interrupted and counts as temperror. A
     * message that finds the queue full is not checked and gets {@code 451 4.3.2}.
     */
    Checking submit(Vertx vertx, String clientIp, String helo, String mailFrom, byte[] stored) {
        Promise<Verdict> verdict = Promise.promise();
        java.util.concurrent.Future<?> task;
        try {
            task = pool.submit(() -> {
                try {
                    verdict.tryComplete(check(clientIp, helo, mailFrom, stored));
                } catch (Throwable t) {
                    verdict.tryFail(t);
                }
            });
        } catch (RejectedExecutionException busy) {
            registry.counter("mailpipe.ingress.sender.actions", "action", "busy").increment();
            return new Checking(Future.succeededFuture(new Verdict(null,
                    Reply.of(451, "4.3.2", "Error: too many messages being checked, try again later"), "not checked: busy")),
                    () -> { });
        }
        long timer = vertx.setTimer(config.deadline().toMillis(), t -> {
            if (verdict.tryComplete(timedOut(stored))) {
                task.cancel(true);
            }
        });
        verdict.future().onComplete(r -> vertx.cancelTimer(timer));
        return new Checking(verdict.future(), () -> {
            // Fail first: the interrupt can make the check return a temperror verdict, which must
            // not stand in for the cancellation.
            verdict.tryFail(new java.util.concurrent.CancellationException("the client went away"));
            task.cancel(true);
        });
    }

    /** The deadline passed: every check is temperror, and what follows is the configured action for it. */
    private Verdict timedOut(byte[] stored) {
        count("deadline", "temperror");
        String summary = "spf=temperror dkim=temperror dmarc=temperror (checks took longer than " + config.deadline() + ")";
        if (config.dmarcTemperror() == SenderChecksConfig.Action.DEFER) {
            registry.counter("mailpipe.ingress.sender.actions", "action", "defer").increment();
            return new Verdict(null, Reply.of(451, "4.7.1", "Sender checks did not finish in time, try again later"), summary);
        }
        registry.counter("mailpipe.ingress.sender.actions", "action", "tag").increment();
        String top = AuthenticationResults.field(config.authservId(), List.of("spf=temperror", "dkim=temperror",
                "dmarc=temperror (checks took longer than " + config.deadline() + ")"));
        return new Verdict(concat(top, AuthenticationResults.withoutClaimsOf(config.authservId(), CrlfLines.of(stored))), null,
                summary);
    }

    private static byte[] concat(String top, byte[] message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(message.length + top.length());
        out.writeBytes(top.getBytes(StandardCharsets.UTF_8));
        out.writeBytes(message);
        return out.toByteArray();
    }

    Verdict check(String clientIp, String helo, String mailFrom, byte[] stored) {
        byte[] message = CrlfLines.of(stored);
        // RFC 7208 2.4: for the null sender, the HELO identity's domain stands in.
        String spfIdentity = mailFrom.isEmpty() ? "postmaster@" + helo : mailFrom;
        String spfDomain = spfIdentity.substring(spfIdentity.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
        Spf checker = spf.get();
        checker.dns().reset();
        String spfResult = checker.checker().checkSPF(clientIp, spfIdentity, helo).getResult();
        if (checker.dns().voidLimitPassed()) {
            spfResult = "permerror"; // RFC 7208 4.6.4: more than two void lookups
        }
        List<DkimVerifier.Result> signatures = dkim.verify(message, config.maxDkimSignatures());
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
                return new Verdict(concat(top, AuthenticationResults.withoutClaimsOf(config.authservId(), message)), null, summary,
                        action == SenderChecksConfig.Action.QUARANTINE);
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
