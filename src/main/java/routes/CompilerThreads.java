package routes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one CPU free of JIT compilation while Printery starts (Linux: {@code taskset} on the C1 and C2 compiler
 * threads of this process), and gives the compilers every CPU back once Camel has started. On 2 cores the two
 * compilers otherwise take a core and a half during start-up, and the main thread, which does the start-up, waits for
 * CPU behind them. The compiled code is the same; after start-up nothing differs (docs/benchmarks.md has the figures).
 * <p>
 * Affinity rather than priority: an unprivileged process can lower its threads' priority but never raise it again, so
 * compilers reniced for the start would stay starved whenever the app is busy; an affinity can be widened again.
 */
public final class CompilerThreads {

    private static final Logger LOG = LoggerFactory.getLogger(CompilerThreads.class);
    /** {@code -Dprintery.compiler.confine=false} leaves the compilers alone. */
    private static final String ENABLED_PROPERTY = "printery.compiler.confine";

    private final CountDownLatch started = new CountDownLatch(1);

    private CompilerThreads() {
    }

    /**
     * Confines the compiler threads to every allowed CPU but the first, in the background (the caller does not wait);
     * {@link #release()} widens them again. Does nothing with fewer than 2 CPUs, without /proc or taskset, or when
     * disabled; a failure is logged at debug and is never an error: the app only starts more slowly.
     */
    public static CompilerThreads confine() {
        CompilerThreads confinement = new CompilerThreads();
        if (!Boolean.parseBoolean(System.getProperty(ENABLED_PROPERTY, "true"))) {
            return confinement;
        }
        TreeSet<Integer> allowed = allowedCpus();
        if (allowed.size() < 2 || Runtime.getRuntime().availableProcessors() < 2) {
            return confinement;
        }
        String others = cpuList(allowed.tailSet(allowed.first(), false));
        Thread thread = new Thread(() -> {
            if (setAffinity(others, compilerThreadIds())) {
                try {
                    confinement.started.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                widen(allowed);
            }
        }, "printery-compiler-affinity");
        thread.setDaemon(true);
        thread.start();
        return confinement;
    }

    /** Gives the compilers every allowed CPU again (once the confinement took effect). */
    public void release() {
        started.countDown();
    }

    /**
     * Every compiler thread back on every allowed CPU. A compiler thread started by a confined one inherits its CPUs,
     * so the threads are listed again until none is left confined.
     */
    private static void widen(TreeSet<Integer> allowed) {
        String all = cpuList(allowed);
        for (int pass = 0; pass < 5; pass++) {
            List<String> confined = compilerThreadIds().stream().filter(id -> {
                TreeSet<Integer> cpus = cpusOf(id);
                return cpus != null && !cpus.equals(allowed);
            }).toList();
            if (confined.isEmpty()) {
                return;
            }
            setAffinity(all, confined);
        }
        LOG.warn("JIT compiler threads still run on fewer CPUs than the process: {}", compilerThreadIds());
    }

    /** True when taskset took for at least one thread (a thread that ended meanwhile is no failure). */
    private static boolean setAffinity(String cpus, List<String> ids) {
        boolean any = false;
        for (String id : ids) {
            try {
                Process process = new ProcessBuilder("taskset", "-p", "-c", cpus, id)
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                int exit = process.waitFor();
                if (exit == 0) {
                    any = true;
                } else {
                    LOG.debug("taskset -p -c {} {} exited with {}", cpus, id, exit);
                }
            } catch (IOException e) {
                LOG.debug("Cannot set the JIT compiler threads' affinity: {}", e.getMessage());
                return any;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return any;
            }
        }
        return any;
    }

    /** The CPUs one thread of this process may run on; null when the thread has ended. */
    static TreeSet<Integer> cpusOf(String threadId) {
        return cpusAllowed(Path.of("/proc/self/task", threadId, "status"));
    }

    /** Thread ids of the compiler threads ("C1 CompilerThre", "C2 CompilerThre" in /proc). */
    static List<String> compilerThreadIds() {
        Path tasks = Path.of("/proc/self/task");
        List<String> ids = new ArrayList<>();
        try (Stream<Path> list = Files.list(tasks)) {
            for (Path task : (Iterable<Path>) list::iterator) {
                String name = readName(task);
                if (name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre")) {
                    ids.add(task.getFileName().toString());
                }
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.debug("No thread list at {}: {}", tasks, e.getMessage());
        }
        return ids;
    }

    /** The CPUs this process may run on; empty when unknown. */
    static TreeSet<Integer> allowedCpus() {
        TreeSet<Integer> cpus = cpusAllowed(Path.of("/proc/self/status"));
        return cpus != null ? cpus : new TreeSet<>();
    }

    /** "Cpus_allowed_list: 0-3,6" of a /proc status file; null when it cannot be read. */
    private static TreeSet<Integer> cpusAllowed(Path status) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("Cpus_allowed_list:")) {
                    return parseCpuList(line.substring(line.indexOf(':') + 1));
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("No CPU list in {}: {}", status, e.getMessage());
        }
        return null;
    }

    /** "0-3,6" to 0, 1, 2, 3, 6. */
    static TreeSet<Integer> parseCpuList(String list) {
        TreeSet<Integer> cpus = new TreeSet<>();
        for (String range : list.trim().split(",")) {
            String[] ends = range.split("-");
            int to = Integer.parseInt(ends[ends.length - 1].trim());
            for (int cpu = Integer.parseInt(ends[0].trim()); cpu <= to; cpu++) {
                cpus.add(cpu);
            }
        }
        return cpus;
    }

    static String cpuList(Collection<Integer> cpus) {
        return cpus.stream().map(String::valueOf).collect(Collectors.joining(","));
    }

    private static String readName(Path task) {
        try {
            return Files.readString(task.resolve("comm")).trim();
        } catch (IOException e) {
            // The thread ended while the list was read.
            return "";
        }
    }
}
