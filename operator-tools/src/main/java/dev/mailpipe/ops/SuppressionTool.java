package dev.mailpipe.ops;

import dev.mailpipe.runtime.SuppressionCommand;

/**
 * {@code ./mailpipe suppression}: lists the recipients the relay no longer sends to, or lifts one
 * ({@link SuppressionCommand}, which queue-manager's {@code /api/suppression} runs too).
 */
public final class SuppressionTool {
    private SuppressionTool() {
    }

    public static void main(String[] args) throws Exception {
        System.exit(SuppressionCommand.run(args, System.out, System.err));
    }
}
