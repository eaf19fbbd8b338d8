package dev.mailpipe.ingress;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/**
 * Milters (Sendmail's mail filter protocol, version 6, as Postfix speaks it) for operators who
 * already run them: opendkim, opendmarc, clamav-milter, rspamd's milter proxy. Per listener, a list
 * in Postfix's {@code smtpd_milters} syntax: {@code inet:host:port} or {@code unix:/path}, each
 * optionally as {@code { inet:host:port, default_action=accept, connect_timeout=10s,
 * command_timeout=10s, content_timeout=60s }} to set its own. Off until a list is set.
 */
@ConfigMapping(prefix = "mailpipe.ingress.milter")
public interface MilterConfig {
    /** The MX port's milters, in the order they are asked; empty: none. */
    Optional<String> mx();

    /** The submission port's milters; empty: none. */
    Optional<String> submission();

    /**
     * What a message gets when a milter cannot be reached, times out or breaks the protocol
     * (Postfix's {@code milter_default_action}): {@code accept} (as if the milter were not there),
     * {@code tempfail} (451 4.7.1), {@code reject} (550 5.7.1) or {@code quarantine} (accepted, into
     * the recipients' Junk folder).
     */
    @WithDefault("tempfail")
    DefaultAction defaultAction();

    /** How long connecting to a milter may take (Postfix's {@code milter_connect_timeout}). */
    @WithDefault("30s")
    Duration connectTimeout();

    /** How long a milter may take to answer a command (Postfix's {@code milter_command_timeout}). */
    @WithDefault("30s")
    Duration commandTimeout();

    /** How long a milter may take to answer a body chunk or the end of the message (Postfix's {@code milter_content_timeout}). */
    @WithDefault("300s")
    Duration contentTimeout();

    enum DefaultAction { ACCEPT, TEMPFAIL, REJECT, QUARANTINE }
}
