package dev.mailpipe.relay.dkim;

import dev.mailpipe.auth.DkimSigner;
import dev.mailpipe.auth.HeaderFields;
import dev.mailpipe.model.Envelope;
import dev.mailpipe.runtime.DkimKeys;
import dev.mailpipe.runtime.LocalDomainsConfig;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Which outgoing mail is signed, and with which keys: mail the ingress vouched for (authenticated
 * or from a trusted network, {@link Envelope#trustedOrigin()}) whose From domain signs. Keys are
 * read, or created, once at start; the records to publish are logged then, and printed by
 * {@code ./mailpipe dns-records}. Made at start, not with the first message: a new RSA key takes
 * seconds of CPU, and on the event loop that delivers the first mail it held up every delivery
 * (the cold benchmark's relay spent 29 % of its samples there).
 */
@ApplicationScoped
@io.quarkus.runtime.Startup
public class DkimSigning {
    private static final Logger LOG = Logger.getLogger(DkimSigning.class);

    private final Map<String, List<DkimKeys.Key>> keys = new HashMap<>();
    private final DkimSigner signer;
    private final MeterRegistry registry;
    private final boolean enabled;

    public DkimSigning(DkimConfig config, LocalDomainsConfig local, MeterRegistry registry) {
        this.registry = registry;
        this.enabled = config.enabled();
        this.signer = new DkimSigner(config.signedHeaders(), Set.copyOf(config.oversignedHeaders()));
        if (!enabled) {
            LOG.info("DKIM signing is off (mailpipe.dkim.enabled=false)");
            return;
        }
        Set<String> domains = new LinkedHashSet<>(local.domainKeys());
        config.domains().orElse(List.of()).forEach(d -> domains.add(d.trim().toLowerCase(Locale.ROOT)));
        for (String domain : domains) {
            try {
                List<DkimKeys.Key> found = config.createKeys() ? DkimKeys.loadOrCreate(config.keyDir(), domain)
                        : DkimKeys.load(config.keyDir(), domain);
                if (found.isEmpty()) {
                    LOG.warnf("DKIM: no key for %s in %s; its mail goes out unsigned", domain, config.keyDir());
                    continue;
                }
                keys.put(domain, List.copyOf(found));
                LOG.infof("DKIM: signing mail from %s with %s (records to publish: %s/%s/*.txt)", domain,
                        found.stream().map(k -> k.selector() + " " + k.algorithm().tag).collect(Collectors.joining(", ")),
                        config.keyDir(), domain);
            } catch (RuntimeException e) {
                LOG.errorf("DKIM: keys for %s in %s unusable, its mail goes out unsigned: %s", domain, config.keyDir(),
                        e.getMessage());
            }
        }
    }

    /** Whether this message may be signed at all: before its header is read, which most relayed mail skips. */
    public boolean mayDo(Envelope envelope) {
        return enabled && envelope.trustedOrigin() && !keys.isEmpty();
    }

    /** The keys to sign this message with: none when it is not ours to sign. */
    public List<DkimKeys.Key> keysFor(Envelope envelope, HeaderFields head) {
        if (!mayDo(envelope)) {
            return List.of();
        }
        String from = head.fromDomain();
        return from == null ? List.of() : keys.getOrDefault(from, List.of());
    }

    /** {@code message} (CRLF lines) signed with {@code with}; counted per algorithm. */
    public byte[] sign(byte[] message, List<DkimKeys.Key> with) {
        byte[] signed = signer.sign(message, with, Instant.now());
        with.forEach(k -> registry.counter("mailpipe.dkim.signed", "algorithm", k.algorithm().tag).increment());
        return signed;
    }
}
