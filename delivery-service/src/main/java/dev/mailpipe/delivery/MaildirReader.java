package dev.mailpipe.delivery;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.apache.james.mime4j.codec.DecodeMonitor;
import org.apache.james.mime4j.codec.DecoderUtil;
import org.apache.james.mime4j.dom.Header;
import org.apache.james.mime4j.dom.field.ParsedField;
import org.apache.james.mime4j.message.DefaultMessageBuilder;
import org.apache.james.mime4j.stream.Field;
import org.apache.james.mime4j.stream.MimeConfig;

/** Lists and opens the messages of a Maildir ({@code new/} and {@code cur/}) for the read API. */
final class MaildirReader {

    /** One message: its id is its Maildir file name without the {@code :2,flags} suffix. */
    record Summary(String id, String from, String subject, String date, long size, Instant delivered) {
    }

    private MaildirReader() {
    }

    static List<Summary> list(Path maildir) throws IOException {
        List<Summary> out = new ArrayList<>();
        for (String sub : List.of("new", "cur")) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(maildir.resolve(sub))) {
                for (Path f : files) {
                    out.add(summary(f));
                }
            } catch (NoSuchFileException e) {
                // no mail yet
            }
        }
        out.sort(Comparator.comparing(Summary::delivered).thenComparing(Summary::id));
        return out;
    }

    static Optional<Path> find(Path maildir, String id) throws IOException {
        if (id.isEmpty() || id.contains("/") || id.contains("\\") || id.startsWith(".") || id.contains(":")) {
            return Optional.empty();
        }
        Path fresh = maildir.resolve("new").resolve(id);
        if (Files.isRegularFile(fresh)) {
            return Optional.of(fresh);
        }
        try (DirectoryStream<Path> read = Files.newDirectoryStream(maildir.resolve("cur"))) {
            for (Path f : read) {
                if (f.getFileName().toString().startsWith(id + ":2,")) {
                    return Optional.of(f);
                }
            }
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    private static Summary summary(Path file) throws IOException {
        String name = file.getFileName().toString();
        int flags = name.indexOf(":2,");
        String id = flags < 0 ? name : name.substring(0, flags);
        Header header;
        try (InputStream in = Files.newInputStream(file)) {
            DefaultMessageBuilder builder = new DefaultMessageBuilder();
            builder.setMimeEntityConfig(MimeConfig.PERMISSIVE);
            builder.setDecodeMonitor(DecodeMonitor.SILENT);
            header = builder.parseHeader(in);
        }
        return new Summary(id, text(header, "From"), text(header, "Subject"), text(header, "Date"), Files.size(file),
                Files.getLastModifiedTime(file).toInstant());
    }

    private static String text(Header header, String name) {
        Field f = header.getField(name);
        if (f == null) {
            return null;
        }
        String body = f instanceof ParsedField p ? p.getBody() : f.getBody();
        return DecoderUtil.decodeEncodedWords(body.trim(), DecodeMonitor.SILENT);
    }
}
