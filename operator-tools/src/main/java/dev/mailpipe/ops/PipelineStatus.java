package dev.mailpipe.ops;

/**
 * {@code ./mailpipe status}'s Kafka part: {@code PipelineStatus <bootstrap> [--json] [--watch]}. It
 * prints the stages, retry tiers, dead letters and last minute's traffic ({@link StatusScreen}); with
 * {@code --watch} it redraws every two seconds until interrupted. Exit 1 when the broker does not
 * answer.
 */
public final class PipelineStatus {
    private PipelineStatus() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: PipelineStatus <bootstrap servers> [--json] [--watch]");
            System.exit(2);
        }
        boolean json = java.util.List.of(args).contains("--json");
        boolean watch = java.util.List.of(args).contains("--watch");
        try (KafkaStatus status = new KafkaStatus(args[0])) {
            do {
                StatusReport report;
                try {
                    report = status.read();
                } catch (java.util.concurrent.ExecutionException | org.apache.kafka.common.KafkaException e) {
                    System.err.println("kafka at " + args[0] + " does not answer: " + (e.getCause() == null ? e : e.getCause()));
                    System.exit(1);
                    return;
                }
                String screen = json ? StatusScreen.json(report) : StatusScreen.text(report);
                System.out.print(watch ? "\033[H\033[2J" + screen : screen);
                System.out.flush();
                if (watch) {
                    Thread.sleep(2000);
                }
            } while (watch);
        }
    }
}
