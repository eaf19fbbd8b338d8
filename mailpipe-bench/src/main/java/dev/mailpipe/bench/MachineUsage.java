package dev.mailpipe.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What a run cost the machine: CPU of every process (busy time in {@code /proc/stat}, client and
 * everything else included, so a system cannot hide work in a process nobody counts) and the peak
 * resident memory of one system's process trees, sampled four times a second.
 */
final class MachineUsage implements AutoCloseable {
    /** USER_HZ: the unit of /proc/stat on Linux. */
    private static final double TICKS_PER_SECOND = 100;
    private final long busyAtStart = busyTicks();
    private final AtomicLong peakRssKib = new AtomicLong();
    /** pid to {name, first and last CPU ticks seen}, for the split by process. */
    private final Map<Long, Object[]> ticks = new java.util.concurrent.ConcurrentHashMap<>();
    private final Thread sampler;
    private final ThreadCpu threads = ThreadCpu.ENABLED ? new ThreadCpu() : null;

    /** Starts measuring; {@code roots} gives the pids whose process trees are the system. */
    MachineUsage(java.util.function.Supplier<Set<Long>> roots) {
        sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                peakRssKib.accumulateAndGet(treeRssKib(roots.get(), this::sawCpu), Math::max);
                try {
                    Thread.sleep(250);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "rss-sampler");
        sampler.setDaemon(true);
        sampler.start();
    }

    private void sawCpu(long pid, String name, long cpuTicks) {
        if (threads != null) {
            threads.sample(pid, name);
        }
        ticks.compute(pid, (k, v) -> v == null ? new Object[] {name, cpuTicks, cpuTicks} : new Object[] {v[0], v[1], cpuTicks});
    }

    /**
     * CPU-seconds by process name, for the processes of the system seen by the sampler; a process
     * seen once (short-lived) counts from its start. Postfix's daemons come and go: what they
     * spent between samples is missed, so the machine's total is the figure to judge by.
     */
    Map<String, Double> cpuSecondsByProcess() {
        Map<String, Double> out = new java.util.TreeMap<>();
        ticks.values().forEach(v -> out.merge((String) v[0], ((long) v[2] - (long) v[1]) / TICKS_PER_SECOND, Double::sum));
        return out;
    }

    /** CPU-seconds by process/thread of the system's JVMs (BENCH_THREADS=1), else empty. */
    Map<String, Double> cpuSecondsByThread() {
        return threads == null ? Map.of() : threads.cpuSecondsByThread();
    }

    /** Machine CPU-seconds spent since the start. */
    double cpuSeconds() {
        return (busyTicks() - busyAtStart) / TICKS_PER_SECOND;
    }

    long peakRssMib() {
        return peakRssKib.get() / 1024;
    }

    @Override
    public void close() {
        sampler.interrupt();
    }

    /** user + nice + system + irq + softirq + steal of the "cpu" line: everything but idle and iowait. */
    static long busyTicks() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            return Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]) + Long.parseLong(f[6])
                    + Long.parseLong(f[7]) + Long.parseLong(f[8]);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/stat", e);
        }
    }

    /** Resident memory of the roots and all their descendants now, in KiB. */
    interface CpuSeen {
        void saw(long pid, String name, long cpuTicks);
    }

    static long treeRssKib(Set<Long> roots, CpuSeen cpu) {
        Map<Long, List<Long>> children = new HashMap<>();
        Map<Long, Long> cpuTicks = new HashMap<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(x -> x.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String stat = Files.readString(p.resolve("stat"));
                    String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    long pid = Long.parseLong(p.getFileName().toString());
                    children.computeIfAbsent(Long.parseLong(after[1]), k -> new ArrayList<>()).add(pid);
                    // Fields 14 and 15 of stat: utime and stime, in ticks.
                    cpuTicks.put(pid, Long.parseLong(after[11]) + Long.parseLong(after[12]));
                } catch (IOException | RuntimeException e) {
                    // The process ended while we looked.
                }
            }
        } catch (IOException e) {
            return 0;
        }
        long total = 0;
        List<Long> todo = new ArrayList<>(roots);
        while (!todo.isEmpty()) {
            long pid = todo.remove(todo.size() - 1);
            total += rssKib(pid);
            if (cpuTicks.containsKey(pid)) {
                cpu.saw(pid, processName(pid), cpuTicks.get(pid));
            }
            todo.addAll(children.getOrDefault(pid, List.of()));
        }
        return total;
    }

    /** A service by its module, the broker as kafka, anything else by its command name. */
    static String processName(long pid) {
        try {
            String cmdline = Files.readString(Path.of("/proc", String.valueOf(pid), "cmdline")).replace('\0', ' ');
            Matcher m = MODULE.matcher(cmdline);
            if (m.find()) {
                return m.group(1);
            }
            if (cmdline.contains("LocalKafka")) {
                return "kafka";
            }
            return Files.readString(Path.of("/proc", String.valueOf(pid), "comm")).trim();
        } catch (IOException e) {
            return "?";
        }
    }

    private static final Pattern MODULE = Pattern.compile("([a-z-]+)/target/quarkus-app/quarkus-run.jar");

    private static long rssKib(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }
}
