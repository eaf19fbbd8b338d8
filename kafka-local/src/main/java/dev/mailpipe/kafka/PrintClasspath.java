package dev.mailpipe.kafka;

/** Prints the broker JVM's classpath, for the {@code mailpipe} launcher script. */
public final class PrintClasspath {
    private PrintClasspath() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println(KafkaBroker.classpath());
    }
}
