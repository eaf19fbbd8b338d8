package dev.mailpipe.runtime;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import net.jpountz.lz4.LZ4Factory;
import org.jboss.logging.Logger;

/**
 * Makes lz4-java use its JNI codec in every stage, as it does in any plain Java program. lz4-java
 * tries its native library on its own only when the system class loader loaded it; under Quarkus's
 * class loader it settles for the pure-Java codec, for compressing and checksumming every batch a
 * producer sends and decompressing every batch a consumer reads. Loading the library once, at
 * startup, makes each later {@code LZ4Factory.fastestInstance()} (what Kafka's lz4 streams ask for
 * per batch) the native one. Where the library cannot load, the Java codec stays: slower, as correct.
 */
@Singleton
public class NativeCompression {
    private static final Logger LOG = Logger.getLogger(NativeCompression.class);

    static void atStartup(@Observes @Initialized(ApplicationScoped.class) Object ignored) {
        try {
            LZ4Factory.nativeInstance();
        } catch (Throwable e) { // UnsatisfiedLinkError and friends: no native build for this platform
            LOG.infof("lz4 stays pure Java here (%s)", e.toString());
        }
    }
}
