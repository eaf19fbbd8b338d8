package dev.mailpipe.auth;

import com.google.common.net.InternetDomainName;
import java.util.Locale;

/**
 * RFC 7489 3.2: a domain's organizational domain, one label under its public suffix, from the
 * Public Suffix List Guava carries. A name under no listed suffix (a private or test TLD) has the
 * list's default rule, "*": its last label is the suffix.
 */
public final class OrganizationalDomain {
    private OrganizationalDomain() {
    }

    public static String of(String domain) {
        String d = domain.toLowerCase(Locale.ROOT);
        if (d.endsWith(".")) {
            d = d.substring(0, d.length() - 1);
        }
        try {
            InternetDomainName name = InternetDomainName.from(d);
            if (name.isUnderPublicSuffix()) {
                return name.topPrivateDomain().toString();
            }
            if (name.isPublicSuffix()) {
                return d;
            }
        } catch (IllegalArgumentException | IllegalStateException notADomainName) {
            // Fall back to the default rule below.
        }
        String[] labels = d.split("\\.");
        return labels.length <= 2 ? d : labels[labels.length - 2] + "." + labels[labels.length - 1];
    }

    /** DMARC identifier alignment (RFC 7489 3.1): the same name (strict) or the same organization (relaxed). */
    public static boolean aligned(String a, String b, boolean strict) {
        if (a == null || b == null) {
            return false;
        }
        return strict ? a.equalsIgnoreCase(b) : of(a).equals(of(b));
    }
}
