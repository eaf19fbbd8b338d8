package dev.mailpipe.scan;

import java.util.List;

/**
 * The envelope rspamd is told with a message, as {@code /checkv2}'s request headers: {@code From},
 * one {@code Rcpt} each, {@code Ip}, {@code Helo}, {@code Queue-Id}, and {@code User} for an
 * authenticated sender (null otherwise).
 */
public record ScanRequest(String mailFrom, List<String> recipients, String clientIp, String helo, String queueId,
        String user) {
}
