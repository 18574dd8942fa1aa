package routes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lowers the scheduling priority of the JVM's JIT compiler threads (Linux: {@code renice} on the C1 and C2 compiler
 * threads of this process). On 2 cores, the two compilers take a core and a half while Camel starts, and the main
 * thread, which does the start-up, waits for CPU behind them; at a lower priority they run when a core is free. The
 * compiled code is the same, it only comes later (docs/benchmarks.md has the figures).
 * <p>
 * HotSpot's own switch for this ({@code -XX:ThreadPriorityPolicy=1 -XX:CompilerThreadPriority}) warns on every start
 * when not run as root, and as root raises the priority of the JVM's other threads too; renice touches only these.
 */
public final class CompilerThreads {

    private static final Logger LOG = LoggerFactory.getLogger(CompilerThreads.class);
    /**
     * How much nicer than the process the compilers run, from the system property {@code printery.compiler.nice} (0
     * leaves their priority as it is). 10: a compiler gets about a tenth of a core that the app's threads also want,
     * and any core that is free.
     */
    private static final String NICE_PROPERTY = "printery.compiler.nice";
    private static final int DEFAULT_NICE = 10;

    private CompilerThreads() {
    }

    /**
     * Renices the compiler threads this JVM has now, in the background (the caller does not wait). Does nothing where
     * there is no /proc or no renice; a failure is logged at debug and is never an error: the app only starts more
     * slowly.
     */
    public static void lowerPriority() {
        int nice = Integer.getInteger(NICE_PROPERTY, DEFAULT_NICE);
        if (nice == 0) {
            return;
        }
        List<String> ids = compilerThreadIds();
        if (ids.isEmpty()) {
            return;
        }
        // Absolute (--priority): relative to the process's own nice, so a Printery started with `nice` keeps its order.
        int target = Math.min(19, ownNice() + nice);
        List<String> command = new ArrayList<>(List.of("renice", "--priority", String.valueOf(target), "-p"));
        command.addAll(ids);
        Thread renice = new Thread(() -> {
            try {
                Process process = new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                int exit = process.waitFor();
                if (exit != 0) {
                    LOG.debug("{} exited with {}", command, exit);
                }
            } catch (IOException e) {
                LOG.debug("Cannot renice the JIT compiler threads: {}", e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "printery-renice-compilers");
        renice.setDaemon(true);
        renice.start();
    }

    /** Thread ids of the C1 and C2 compiler threads ("C1 CompilerThre", "C2 CompilerThre" in /proc). */
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
        } catch (IOException | UnsupportedOperationException e) {
            LOG.debug("No thread list at {}: {}", tasks, e.getMessage());
        }
        return ids;
    }

    /** This process's nice value (field 19 of /proc/self/stat); 0 when it cannot be read. */
    static int ownNice() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            return Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[16]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
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
