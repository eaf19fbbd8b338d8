package dev.mailpipe.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * docs/pipeline.md, the contract, against the code that is the contract: its topics table against
 * {@link Topics}, its envelope table against the fields an envelope can carry, its events table
 * against {@link MailEvent#TYPES}. The build fails when one moves without the other.
 */
@Tag("unit")
class ContractDocumentedTest {
    private static final Pattern TICKED = Pattern.compile("`([^`]*)`");
    private static final Path DOC = Path.of(System.getProperty("mailpipe.root", "..")).resolve("docs/pipeline.md");

    /** The backticked words of the first cell of each row of the table under {@code heading}. */
    private static Set<String> firstColumn(String heading) throws Exception {
        Set<String> out = new TreeSet<>();
        boolean in = false;
        for (String line : Files.readAllLines(DOC)) {
            if (line.startsWith("#")) {
                in = line.equals(heading);
                continue;
            }
            if (!in || !line.startsWith("| `")) {
                continue;
            }
            Matcher m = TICKED.matcher(line.split("\\|")[1]);
            while (m.find()) {
                out.add(m.group(1));
            }
        }
        return out;
    }

    @Test
    void theTopicsTableNamesEveryTopicOfTheCode() throws Exception {
        List<String> tiers = Topics.RETRY_TIERS;
        Set<String> code = new TreeSet<>(List.of(Topics.INBOUND, Topics.SCAN, Topics.NOTICES, Topics.DELIVERY, Topics.RELAY, Topics.EVENTS,
                Topics.DEAD_LETTER, Topics.ACCOUNTS, Topics.SUPPRESSED, Topics.DESTINATIONS, Topics.RETRY_PREFIX + tiers.get(0),
                Topics.RETRY_PREFIX + tiers.get(tiers.size() - 1)));
        assertEquals(code, firstColumn("## Topics and keys"));
    }

    @Test
    void theEnvelopeTableNamesEveryFieldAnEnvelopeCarries() throws Exception {
        Envelope full = Envelope.received("id1", Instant.EPOCH, new Envelope.Client("192.0.2.1", "client.test", true, "alice"),
                        "a@b.test", List.of(Recipient.of("c@d.test", "rfc822;c@d.test", null)), 10)
                .withMailParameters(Envelope.BodyType.EIGHT_BIT_MIME, true, Envelope.Ret.FULL, "env1")
                .withTrustedOrigin().withSenderAuthentication("spf=pass").withContentScan("rspamd: add header", true).withDelayWarned()
                .withRoute(new Route("d.test", List.of(new Route.MxHost("mx.d.test", 10, List.of("192.0.2.2"))), Instant.EPOCH))
                .withAttempt(1, Instant.EPOCH, Instant.EPOCH).withText(Envelope.LAST_DEFERRAL, "4.4.1 no answer");
        Set<String> fields = new TreeSet<>();
        new ObjectMapper().readTree(EnvelopeCodec.encode(full)).fieldNames().forEachRemaining(fields::add);
        assertEquals(fields, firstColumn("### The envelope"));
    }

    @Test
    void theEventsTableNamesEveryEventTypeAndNoOther() throws Exception {
        Set<String> documented = new TreeSet<>();
        boolean in = false;
        for (String line : Files.readAllLines(DOC)) {
            if (line.startsWith("#")) {
                in = line.equals("### Events");
                continue;
            }
            // The types table: rows whose second cell names stages (the field table's is yes/no).
            String[] cells = line.split("\\|");
            if (in && line.startsWith("| `") && cells.length > 2 && !cells[2].trim().matches("yes|no")) {
                Matcher m = TICKED.matcher(cells[1]);
                while (m.find()) {
                    documented.add(m.group(1));
                }
            }
        }
        assertEquals(new TreeSet<>(MailEvent.TYPES), documented);
        assertThrows(IllegalArgumentException.class, () -> MailEvent.of("id", "smtp-ingress", "teleported", null, null));
    }

    @Test
    void everyRecordHeaderIsDescribed() throws Exception {
        List<String> code = new ArrayList<>();
        for (var f : RecordHeaders.class.getFields()) {
            if (f.getType() == String.class && java.lang.reflect.Modifier.isStatic(f.getModifiers())) {
                code.add((String) f.get(null));
            }
        }
        String doc = Files.readString(DOC);
        assertEquals(new TreeSet<>(), new TreeSet<>(code.stream().filter(h -> !doc.contains("`" + h)).toList()),
                "headers of the code the contract does not describe");
    }
}
