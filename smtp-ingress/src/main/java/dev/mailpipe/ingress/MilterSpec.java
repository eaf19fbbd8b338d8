package dev.mailpipe.ingress;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** One milter of a listener's list: where it listens, and its own default action and timeouts. */
record MilterSpec(String address, MilterConfig.DefaultAction defaultAction, Duration connectTimeout, Duration commandTimeout,
        Duration contentTimeout) {

    /**
     * Postfix's {@code smtpd_milters} list: addresses separated by commas or spaces, each possibly
     * in braces with its own settings ({@code { inet:host:port, default_action=accept }}).
     */
    static List<MilterSpec> parse(String list, MilterConfig defaults) {
        List<MilterSpec> milters = new ArrayList<>();
        int i = 0;
        while (i < list.length()) {
            char c = list.charAt(i);
            if (c == ',' || Character.isWhitespace(c)) {
                i++;
            } else if (c == '{') {
                int close = list.indexOf('}', i);
                if (close < 0) {
                    throw new IllegalArgumentException("milter list: '{' without '}' in " + list);
                }
                milters.add(group(list.substring(i + 1, close), defaults));
                i = close + 1;
            } else {
                int end = i;
                while (end < list.length() && list.charAt(end) != ',' && !Character.isWhitespace(list.charAt(end))) {
                    end++;
                }
                milters.add(new MilterSpec(list.substring(i, end), defaults.defaultAction(), defaults.connectTimeout(),
                        defaults.commandTimeout(), defaults.contentTimeout()));
                i = end;
            }
        }
        return milters;
    }

    private static MilterSpec group(String body, MilterConfig defaults) {
        String[] parts = body.split(",");
        String address = parts[0].trim();
        if (address.isEmpty() || address.contains("=")) {
            throw new IllegalArgumentException("milter list: '{ " + body + " }' does not start with an address");
        }
        MilterConfig.DefaultAction action = defaults.defaultAction();
        Duration connect = defaults.connectTimeout();
        Duration command = defaults.commandTimeout();
        Duration content = defaults.contentTimeout();
        for (int p = 1; p < parts.length; p++) {
            String[] kv = parts[p].split("=", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException("milter list: '" + parts[p].trim() + "' is not name=value");
            }
            String value = kv[1].trim();
            switch (kv[0].trim().toLowerCase(Locale.ROOT)) {
                case "default_action" -> action = MilterConfig.DefaultAction.valueOf(value.toUpperCase(Locale.ROOT));
                case "connect_timeout" -> connect = duration(value);
                case "command_timeout" -> command = duration(value);
                case "content_timeout" -> content = duration(value);
                default -> throw new IllegalArgumentException("milter list: unknown setting " + kv[0].trim());
            }
        }
        return new MilterSpec(address, action, connect, command, content);
    }

    /** Postfix's time values: a number and a unit, s (the default), m, h or d. */
    static Duration duration(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        boolean bare = Character.isDigit(v.charAt(v.length() - 1));
        char unit = bare ? 's' : v.charAt(v.length() - 1);
        long n = Long.parseLong(bare ? v : v.substring(0, v.length() - 1));
        return switch (unit) {
            case 's' -> Duration.ofSeconds(n);
            case 'm' -> Duration.ofMinutes(n);
            case 'h' -> Duration.ofHours(n);
            case 'd' -> Duration.ofDays(n);
            default -> throw new IllegalArgumentException("milter list: time value " + value + " has an unknown unit");
        };
    }
}
