package dev.mailpipe.relay.dkim;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** DKIM signing of outgoing mail ({@code mailpipe.dkim.*}, or {@code MAILPIPE_DKIM_*}). */
@ConfigMapping(prefix = "mailpipe.dkim")
public interface DkimConfig {
    /**
     * Sign mail from authenticated sessions and trusted networks whose From domain is a local
     * domain or one of {@link #domains()}, with every key that domain has.
     */
    @WithDefault("true")
    boolean enabled();

    /** Signing domains besides the local ones. */
    Optional<List<String>> domains();

    /**
     * Keys as opendkim-genkey writes them: {@code <key-dir>/<domain>/<selector>.private}, and the
     * record to publish beside it in {@code <selector>.txt}. In Kubernetes, a Secret mounted here.
     */
    @WithDefault("data/dkim")
    Path keyDir();

    /**
     * Create an RSA-2048 key ({@code mailpipe-rsa}) and an Ed25519 key ({@code mailpipe-ed25519})
     * for a signing domain that has none. Off where the key directory is read-only (a Secret).
     */
    @WithDefault("true")
    boolean createKeys();

    /** The fields signed when present, each once more than it occurs so that none can be added. */
    @WithDefault("from,reply-to,sender,subject,date,message-id,to,cc,in-reply-to,references,mime-version,"
            + "content-type,content-transfer-encoding,content-disposition,list-id,list-unsubscribe,list-unsubscribe-post")
    List<String> signedHeaders();

    /** Of those, the fields listed even when absent, so that none can be added after signing. */
    @WithDefault("from,reply-to,sender,subject,date,to,cc,mime-version,content-type,content-transfer-encoding")
    List<String> oversignedHeaders();
}
