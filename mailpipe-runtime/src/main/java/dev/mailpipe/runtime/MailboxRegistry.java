package dev.mailpipe.runtime;

import dev.mailpipe.model.Account;
import dev.mailpipe.model.MailboxDirectory;
import dev.mailpipe.model.Topics;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jboss.logging.Logger;

/**
 * This service's live view of the mailbox registry, the compacted topic {@code mail.accounts}: read
 * from the beginning at start, then followed for as long as the service runs. No consumer group:
 * every replica of every stage reads the whole registry.
 *
 * <p>The mailboxes in {@code mailpipe.local.mailboxes} exist from the first moment (the delivery
 * service also writes them to the topic), unless the registry has deleted them.
 */
@ApplicationScoped
public class MailboxRegistry implements MailboxDirectory {
    private static final Logger LOG = Logger.getLogger(MailboxRegistry.class);

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafka;

    @Inject
    LocalDomainsConfig local;

    private final Map<String, Account> entries = new ConcurrentHashMap<>();
    private final Set<String> deleted = ConcurrentHashMap.newKeySet();
    private Set<String> seedDomains;
    private Set<String> seedMailboxes;
    private CompactedTopicView view;

    @PostConstruct
    void start() {
        seedDomains = local.domainKeys();
        seedMailboxes = local.mailboxKeys();
        view = new CompactedTopicView(kafka, Topics.ACCOUNTS, "mailbox-registry", this::apply,
                () -> LOG.infof("mailbox registry loaded: %d entries", entries.size()));
    }

    @PreDestroy
    void stop() throws InterruptedException {
        view.close();
    }

    /** Waits until everything the registry held at start has been read. */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return view.awaitCaughtUp(timeout);
    }

    /**
     * For a stage's start: answering before the registry is loaded would refuse or bounce mail for
     * mailboxes that exist, so a stage does not start until it is (or gives up after a minute).
     */
    public void awaitLoaded() throws InterruptedException {
        if (!awaitCaughtUp(Duration.ofSeconds(60))) {
            throw new IllegalStateException("mailbox registry (" + Topics.ACCOUNTS + ") not loaded within 60 s");
        }
    }

    /** Waits until this view shows {@code key} as present (or absent): read-your-write for the API. */
    public boolean awaitEntry(String key, boolean present, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (entries.containsKey(key) == present) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    private void apply(ConsumerRecord<String, byte[]> r) {
        if (r.value() == null) {
            entries.remove(r.key());
            deleted.add(r.key());
            return;
        }
        try {
            entries.put(r.key(), Account.fromJson(r.value()));
            deleted.remove(r.key());
        } catch (IllegalArgumentException e) {
            LOG.warnf("ignoring registry entry %s: %s", r.key(), e.getMessage());
        }
    }

    @Override
    public boolean isLocalDomain(String domainKey) {
        if (seedDomains.contains(domainKey) || entries.containsKey("@" + domainKey)) {
            return true;
        }
        String suffix = "@" + domainKey;
        return entries.keySet().stream().anyMatch(k -> k.endsWith(suffix));
    }

    @Override
    public Optional<Account.Mailbox> mailbox(String key) {
        Account a = entries.get(key);
        if (a instanceof Account.Mailbox m) {
            return Optional.of(m);
        }
        if (a == null && seedMailboxes.contains(key) && !deleted.contains(key)) {
            return Optional.of(new Account.Mailbox(key, null, 0));
        }
        return Optional.empty();
    }

    @Override
    public Optional<Account.Alias> alias(String key) {
        return entries.get(key) instanceof Account.Alias a ? Optional.of(a) : Optional.empty();
    }

    @Override
    public Optional<String> catchAll(String domainKey) {
        return entries.get("@" + domainKey) instanceof Account.CatchAll c ? Optional.of(c.target()) : Optional.empty();
    }

    @Override
    public String primaryDomain() {
        return seedDomains.stream().sorted().findFirst().orElse("localhost");
    }

    @Override
    public Optional<String> postmaster() {
        return Optional.of(local.postmaster());
    }

    /** Every entry now in the view (seeded mailboxes included). */
    public Collection<Account> entries() {
        Map<String, Account> all = new java.util.TreeMap<>(entries);
        for (String seed : seedMailboxes) {
            if (!deleted.contains(seed)) {
                all.putIfAbsent(seed, new Account.Mailbox(seed, null, 0));
            }
        }
        return all.values();
    }

    public Optional<Account> entry(String key) {
        return Optional.ofNullable(entries.get(key));
    }
}
