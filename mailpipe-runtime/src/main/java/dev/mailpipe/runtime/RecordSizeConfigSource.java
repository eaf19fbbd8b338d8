package dev.mailpipe.runtime;

import dev.mailpipe.model.Topics;
import java.util.Map;

/**
 * The Kafka clients' byte limits, all from the one size limit ({@link Topics#MAX_RECORD_BYTES}), so
 * that no figure is kept equal to another by hand.
 */
public final class RecordSizeConfigSource extends DerivedConfigSource {
    private static final String LIMIT = String.valueOf(Topics.MAX_RECORD_BYTES);

    public RecordSizeConfigSource() {
        super("mailpipe record size (Topics.MAX_RECORD_BYTES)", Map.of(
                "kafka.max.request.size", LIMIT,
                "kafka.max.partition.fetch.bytes", LIMIT,
                "kafka.fetch.max.bytes", LIMIT));
    }
}
