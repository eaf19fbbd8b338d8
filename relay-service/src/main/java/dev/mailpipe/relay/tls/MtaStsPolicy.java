package dev.mailpipe.relay.tls;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A domain's MTA-STS policy (RFC 8461 3.2): its mode, the MX hosts it names, how long it holds,
 * and the id of the TXT record it was fetched for.
 */
public record MtaStsPolicy(String id, Mode mode, List<String> mx, Duration maxAge, Instant fetchedAt) {
    public enum Mode { ENFORCE, TESTING, NONE }

    /** 3.2: at most a year. */
    public static final Duration LONGEST = Duration.ofSeconds(31_557_600);

    public boolean fresh(Instant now) {
        return fetchedAt.plus(maxAge).isAfter(now);
    }

    /**
     * 4.1: whether {@code host} is one of the policy's MX patterns: the name itself, or
     * {@code *.example.com} for exactly one more label on the left.
     */
    public boolean allows(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        for (String pattern : mx) {
            if (pattern.startsWith("*.")) {
                int dot = h.indexOf('.');
                if (dot > 0 && h.substring(dot + 1).equals(pattern.substring(2))) {
                    return true;
                }
            } else if (h.equals(pattern)) {
                return true;
            }
        }
        return false;
    }

    /** The policy file's text; IllegalArgumentException with the reason when it is not one. */
    public static MtaStsPolicy parse(String id, String text, Instant now) {
        String version = null;
        Mode mode = null;
        Duration maxAge = null;
        List<String> mx = new ArrayList<>();
        for (String line : text.split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String key = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            switch (key) {
                case "version" -> version = value;
                case "mode" -> mode = switch (value) {
                    case "enforce" -> Mode.ENFORCE;
                    case "testing" -> Mode.TESTING;
                    case "none" -> Mode.NONE;
                    default -> throw new IllegalArgumentException("unknown mode " + value);
                };
                case "max_age" -> {
                    if (!value.matches("[0-9]{1,10}")) {
                        throw new IllegalArgumentException("bad max_age " + value);
                    }
                    long s = Long.parseLong(value);
                    maxAge = Duration.ofSeconds(Math.min(s, LONGEST.toSeconds()));
                }
                case "mx" -> mx.add(value.toLowerCase(Locale.ROOT));
                default -> {
                    // 3.2: unknown fields are ignored.
                }
            }
        }
        if (!"STSv1".equals(version)) {
            throw new IllegalArgumentException("not an STSv1 policy");
        }
        if (mode == null || maxAge == null) {
            throw new IllegalArgumentException("a policy needs mode and max_age");
        }
        if (mode != Mode.NONE && mx.isEmpty()) {
            throw new IllegalArgumentException("a policy in mode " + mode.name().toLowerCase(Locale.ROOT) + " needs mx");
        }
        return new MtaStsPolicy(id, mode, List.copyOf(mx), maxAge, now);
    }
}
