package dev.mailpipe.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class ThreadCpuTest {

    @Test
    void aBusyThreadIsCountedByProcessAndNameWithItsNumbersTakenOut() throws Exception {
        ThreadCpu threads = new ThreadCpu();
        long self = ProcessHandle.current().pid();
        java.util.concurrent.atomic.AtomicBoolean spin = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread busy = new Thread(() -> {
            long x = 0;
            while (spin.get()) {
                x += System.nanoTime() % 7;
            }
            if (x == 42) {
                System.out.println(x);
            }
        }, "spinner-17");
        busy.start();
        threads.sample(self, "tests");
        Thread.sleep(400);
        threads.sample(self, "tests"); // while it runs: a thread that has ended is no longer in /proc
        spin.set(false);
        busy.join();
        Map<String, Double> seconds = threads.cpuSecondsByThread();
        assertTrue(seconds.containsKey("tests/spinner-#"), "the thread by its name without numbers: " + seconds.keySet());
        assertTrue(seconds.get("tests/spinner-#") >= 0.1, "much of its 0.4 s of spinning (a noisy machine may take some): " + seconds.get("tests/spinner-#"));
        assertTrue(seconds.keySet().stream().allMatch(k -> k.startsWith("tests/") && !k.matches(".*\\d.*")), seconds.keySet().toString());
    }

    @Test
    void aProcessThatIsNoJvmIsLeftOut() throws Exception {
        Process sleep = new ProcessBuilder("sleep", "5").start();
        try {
            ThreadCpu threads = new ThreadCpu();
            threads.sample(sleep.pid(), "sleep");
            assertTrue(threads.cpuSecondsByThread().isEmpty());
        } finally {
            sleep.destroy();
        }
    }
}
