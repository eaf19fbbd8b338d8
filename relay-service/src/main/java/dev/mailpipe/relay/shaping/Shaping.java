package dev.mailpipe.relay.shaping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The shaping file: how fast the relay may send to each destination, and what it does when a
 * provider says to slow down. YAML, as a ConfigMap holds it:
 *
 * <pre>
 * default:                      # every site, unless a rule below says otherwise
 *   connections: 20             # at once (the most the site's window may grow to)
 *   connections-per-minute: 0   # new ones (a pooled connection reused is not new); 0: no limit
 *   messages-per-connection: 100
 *   messages-per-minute: 0      # 0: no limit
 *   messages-per-hour: 0
 * sites:                        # by site: "*.google.com" (every MX host under it) or one MX host; the longest match wins
 *   "*.google.com": {connections: 10, messages-per-hour: 20000}
 * domains:                      # by recipient domain, on top of its site's
 *   example.org: {messages-per-minute: 60}
 * notices: {messages-per-minute: 30}  # bounces and delay warnings (mail from &lt;&gt;), per site, on top of the rest
 * throttles:                    # the provider's word: the first whose pattern is found in the reply
 *   - {match: "4\\.7\\.28|rate limit", action: suspend, for: 10m}
 *   - {match: "try again later", action: slow, factor: 0.5, for: 30m}
 * </pre>
 */
public final class Shaping {
    /** No file: the relay's own settings, no rates, no throttles. */
    public static final Shaping NONE = new Shaping(Limits.UNSET, Map.of(), Map.of(), Limits.UNSET, List.of());

    private final Limits defaults;
    private final Map<String, Limits> sites;
    private final Map<String, Limits> domains;
    private final Limits notices;
    private final List<Throttle> throttles;

    private Shaping(Limits defaults, Map<String, Limits> sites, Map<String, Limits> domains, Limits notices, List<Throttle> throttles) {
        this.defaults = defaults;
        this.sites = sites;
        this.domains = domains;
        this.notices = notices;
        this.throttles = throttles;
    }

    /** What applies to a site or a domain; a null field is not limited here (the relay's settings apply). */
    public record Limits(Integer connections, Integer messagesPerConnection, int messagesPerMinute, int messagesPerHour,
            int connectionsPerMinute) {
        static final Limits UNSET = new Limits(null, null, 0, 0, 0);

        Limits over(Limits base) {
            return new Limits(connections != null ? connections : base.connections,
                    messagesPerConnection != null ? messagesPerConnection : base.messagesPerConnection,
                    messagesPerMinute > 0 ? messagesPerMinute : base.messagesPerMinute,
                    messagesPerHour > 0 ? messagesPerHour : base.messagesPerHour,
                    connectionsPerMinute > 0 ? connectionsPerMinute : base.connectionsPerMinute);
        }

        public RateLimit rate() {
            return new RateLimit(messagesPerMinute, messagesPerHour);
        }

        /** New connections per minute, as a bucket (no limit when 0). */
        public RateLimit connectionRate() {
            return new RateLimit(connectionsPerMinute, 0);
        }
    }

    /** What a reply that matches asks: no new delivery to the site for {@code duration}, or its rate times {@code factor}. */
    public record Throttle(Pattern match, Action action, double factor, Duration duration) {
        public enum Action { SUSPEND, SLOW }
    }

    /** Reads {@code file}; a file that does not parse stops the relay at start, saying where. */
    public static Shaping read(Path file) throws IOException {
        JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
        if (root == null || !root.isObject()) {
            throw new IOException(file + ": not a shaping file (a YAML mapping)");
        }
        Limits defaults = limits(root.path("default"), file + ": default");
        Map<String, Limits> sites = new LinkedHashMap<>();
        root.path("sites").fields().forEachRemaining(e -> sites.put(e.getKey().toLowerCase(Locale.ROOT), limitsOrFail(e.getValue(),
                file + ": sites." + e.getKey())));
        Map<String, Limits> domains = new LinkedHashMap<>();
        root.path("domains").fields().forEachRemaining(e -> domains.put(e.getKey().toLowerCase(Locale.ROOT),
                limitsOrFail(e.getValue(), file + ": domains." + e.getKey())));
        for (var d : domains.entrySet()) {
            if (d.getValue().connectionsPerMinute() > 0) {
                throw new IOException(file + ": domains." + d.getKey() + ": connections-per-minute is a site's (connections go to its MX hosts)");
            }
        }
        Limits notices = limits(root.path("notices"), file + ": notices");
        if (notices.connections() != null || notices.messagesPerConnection() != null || notices.connectionsPerMinute() > 0) {
            throw new IOException(file + ": notices: only messages-per-minute and messages-per-hour apply to notices");
        }
        List<Throttle> throttles = new ArrayList<>();
        for (JsonNode t : root.path("throttles")) {
            throttles.add(throttle(t, file + ": throttles[" + throttles.size() + "]"));
        }
        return new Shaping(defaults, Map.copyOf(sites), Map.copyOf(domains), notices, List.copyOf(throttles));
    }

    /**
     * The rate of bounces and delay warnings to each site, on top of the site's own: a storm of
     * them never uses up what a site takes from us, and they wait for their tokens apart.
     */
    public Optional<Limits> notices() {
        return notices.rate().limited() ? Optional.of(notices) : Optional.empty();
    }

    /** The limits of {@code site} (MX host names joined by commas, or a rollup {@code *.suffix}). */
    public Limits site(String site) {
        String key = site.toLowerCase(Locale.ROOT);
        Limits best = null;
        int bestLength = -1;
        for (var rule : sites.entrySet()) {
            String pattern = rule.getKey();
            boolean matches = pattern.equals(key) || pattern.startsWith("*.") && covers(pattern.substring(1), key);
            if (matches && pattern.length() > bestLength) {
                best = rule.getValue();
                bestLength = pattern.length();
            }
        }
        return best == null ? defaults : best.over(defaults);
    }

    /** The limits of recipient domain {@code domain} on their own (none: no limit of its own). */
    public Optional<Limits> domain(String domain) {
        return Optional.ofNullable(domains.get(domain.toLowerCase(Locale.ROOT)));
    }

    /** The first throttle whose pattern is found in {@code reply}. */
    public Optional<Throttle> throttleFor(String reply) {
        if (reply == null) {
            return Optional.empty();
        }
        return throttles.stream().filter(t -> t.match().matcher(reply).find()).findFirst();
    }

    /** Every host of the site (or the rollup itself) is under {@code dotSuffix}. */
    private static boolean covers(String dotSuffix, String site) {
        if (site.startsWith("*.")) {
            return ("." + site.substring(2)).endsWith(dotSuffix);
        }
        for (String host : site.split(",")) {
            if (!host.endsWith(dotSuffix)) {
                return false;
            }
        }
        return true;
    }

    private static Limits limitsOrFail(JsonNode n, String where) {
        try {
            return limits(n, where);
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    private static Limits limits(JsonNode n, String where) throws IOException {
        if (n.isMissingNode() || n.isNull()) {
            return Limits.UNSET;
        }
        if (!n.isObject()) {
            throw new IOException(where + ": not a mapping");
        }
        for (var it = n.fieldNames(); it.hasNext();) {
            String f = it.next();
            if (!List.of("connections", "connections-per-minute", "messages-per-connection", "messages-per-minute", "messages-per-hour")
                    .contains(f)) {
                throw new IOException(where + ": unknown setting " + f);
            }
        }
        return new Limits(positive(n, "connections", where), positive(n, "messages-per-connection", where),
                zeroOrMore(n, "messages-per-minute", where), zeroOrMore(n, "messages-per-hour", where),
                zeroOrMore(n, "connections-per-minute", where));
    }

    private static Integer positive(JsonNode n, String field, String where) throws IOException {
        if (!n.has(field)) {
            return null;
        }
        if (!n.get(field).canConvertToInt() || n.get(field).asInt() < 1) {
            throw new IOException(where + ": " + field + " must be a whole number of at least 1");
        }
        return n.get(field).asInt();
    }

    private static int zeroOrMore(JsonNode n, String field, String where) throws IOException {
        if (!n.has(field)) {
            return 0;
        }
        if (!n.get(field).canConvertToInt() || n.get(field).asInt() < 0) {
            throw new IOException(where + ": " + field + " must be a whole number, 0 for no limit");
        }
        return n.get(field).asInt();
    }

    private static Throttle throttle(JsonNode t, String where) throws IOException {
        String match = t.path("match").asText("");
        if (match.isEmpty()) {
            throw new IOException(where + ": no match");
        }
        Pattern pattern;
        try {
            pattern = Pattern.compile(match, Pattern.CASE_INSENSITIVE);
        } catch (java.util.regex.PatternSyntaxException e) {
            throw new IOException(where + ": match is not a regular expression: " + e.getDescription(), e);
        }
        Throttle.Action action;
        try {
            action = Throttle.Action.valueOf(t.path("action").asText("").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IOException(where + ": action must be suspend or slow", e);
        }
        Duration duration;
        try {
            duration = new io.quarkus.runtime.configuration.DurationConverter().convert(t.path("for").asText(""));
        } catch (RuntimeException e) {
            throw new IOException(where + ": for must be a duration such as 10m", e);
        }
        if (duration == null || duration.isZero() || duration.isNegative()) {
            throw new IOException(where + ": for must be a duration such as 10m");
        }
        double factor = t.path("factor").asDouble(0.5);
        if (action == Throttle.Action.SLOW && (factor <= 0 || factor >= 1)) {
            throw new IOException(where + ": factor must be between 0 and 1");
        }
        return new Throttle(pattern, action, factor, duration);
    }
}
