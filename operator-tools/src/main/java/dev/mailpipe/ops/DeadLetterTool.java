package dev.mailpipe.ops;

import dev.mailpipe.replay.DeadLetterCommand;

/**
 * {@code ./mailpipe dead-letters}: lists {@code mail.dead-letter}, or replays records to the topics
 * they came from ({@link DeadLetterCommand}, which queue-manager's {@code /api/dead-letters} runs too).
 */
public final class DeadLetterTool {
    private DeadLetterTool() {
    }

    public static void main(String[] args) throws Exception {
        System.exit(DeadLetterCommand.run(args, System.out, System.err));
    }
}
