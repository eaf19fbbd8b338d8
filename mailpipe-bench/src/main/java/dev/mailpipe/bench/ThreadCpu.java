package dev.mailpipe.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * CPU by thread of a system's JVMs, for BENCH_THREADS=1: where a stage's milliseconds go, its JIT
 * compiler threads and its collector among them. Each thread counts from the first sample that saw
 * it to the last; one that ended between two samples loses what it spent after the last, so start
 * the JVMs with {@code -XX:-UseDynamicNumberOfCompilerThreads} (MAILPIPE_JIT_OPTS) to keep the JIT's
 * threads, which otherwise come and go, in the count. Threads are named by process and by their
 * name with the numbers taken out ({@code C1 CompilerThre#}).
 */
final class ThreadCpu {
    static final boolean ENABLED = "1".equals(System.getenv("BENCH_THREADS"));

    /** pid/tid to {first, last} ticks seen. */
    private final Map<String, long[]> ticks = new ConcurrentHashMap<>();
    private final Map<String, String> names = new ConcurrentHashMap<>();

    /** Samples every thread of {@code pid} if it is a JVM; {@code process} names it in the split. */
    void sample(long pid, String process) {
        Path proc = Path.of("/proc", String.valueOf(pid));
        try {
            if (!Files.readString(proc.resolve("comm")).trim().equals("java")) {
                return;
            }
        } catch (IOException e) {
            return;
        }
        try (Stream<Path> tasks = Files.list(proc.resolve("task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    long t = Long.parseLong(after[11]) + Long.parseLong(after[12]); // utime + stime
                    String key = pid + "/" + task.getFileName();
                    names.putIfAbsent(key, process + "/" + comm.replaceAll("\\d+", "#"));
                    ticks.compute(key, (k, v) -> v == null ? new long[] {t, t} : new long[] {v[0], t});
                } catch (IOException | RuntimeException e) {
                    // the thread ended while we looked
                }
            }
        } catch (IOException e) {
            // the process ended while we looked
        }
    }

    /** CPU-seconds by process/thread name, summed over the threads of that name. */
    Map<String, Double> cpuSecondsByThread() {
        Map<String, Double> out = new TreeMap<>();
        ticks.forEach((key, v) -> out.merge(names.get(key), (v[1] - v[0]) / 100.0, Double::sum));
        return out;
    }
}
