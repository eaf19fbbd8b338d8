package dev.mailpipe.api;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Locale;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * No change through the API from another site's page. A browser keeps the administrator's Basic
 * login for the console's origin and sends it with any request to it, a form posted from another
 * site included (cross-site request forgery): so a request that may change something (not GET,
 * HEAD, OPTIONS) is refused with 403 when the browser says it comes from elsewhere, by its
 * {@code Origin} (not this origin) or its {@code Sec-Fetch-Site} ({@code cross-site},
 * {@code same-site}: another port of the host is another origin). Clients that are not browsers
 * (curl, the command line, Dovecot) send neither header and pass.
 */
@ApplicationScoped
public class CrossSiteWrites {
    private static final Logger LOG = Logger.getLogger(CrossSiteWrites.class);
    private static final Set<HttpMethod> SAFE = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(this::check);
    }

    private void check(RoutingContext rc) {
        if (SAFE.contains(rc.request().method())) {
            rc.next();
            return;
        }
        String origin = rc.request().getHeader("Origin");
        String fetchSite = rc.request().getHeader("Sec-Fetch-Site");
        boolean foreign = origin != null ? !sameOrigin(origin, rc)
                : fetchSite != null && Set.of("cross-site", "same-site").contains(fetchSite.toLowerCase(Locale.ROOT));
        if (!foreign) {
            rc.next();
            return;
        }
        LOG.warnf("refused %s %s from another site (Origin %s, Sec-Fetch-Site %s, Host %s)", rc.request().method(),
                rc.request().path(), clean(origin), clean(fetchSite), clean(rc.request().getHeader("Host")));
        rc.response().setStatusCode(403).putHeader("Content-Type", "application/json")
                .end("{\"error\":\"a page of another site may not change anything here\"}");
    }

    /** The Origin names this server as the browser reached it: scheme and Host header alike. */
    private static boolean sameOrigin(String origin, RoutingContext rc) {
        String host = rc.request().getHeader("Host");
        return host != null && origin.equalsIgnoreCase(rc.request().scheme() + "://" + host);
    }

    /** A header as a log line may hold it: printable ASCII, short. */
    private static String clean(String value) {
        if (value == null) {
            return "-";
        }
        String printable = value.replaceAll("[^\\x20-\\x7e]", "?");
        return printable.length() > 100 ? printable.substring(0, 100) + "..." : printable;
    }
}
