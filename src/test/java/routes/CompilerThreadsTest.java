package routes;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The confinement of this JVM's own compiler threads during a start, and its release. */
class CompilerThreadsTest {

    @Test
    void confinesTheCompilersToEveryCpuButTheFirstUntilReleased() throws Exception {
        TreeSet<Integer> allowed = CompilerThreads.allowedCpus();
        // With one CPU there is nothing to keep free, and confine() does nothing by design.
        assumeTrue(allowed.size() >= 2 && Runtime.getRuntime().availableProcessors() >= 2, "one CPU: " + allowed);
        assumeTrue(onPath("taskset"), "no taskset (util-linux) on PATH");
        Set<Integer> all = allowed;
        Set<Integer> others = allowed.tailSet(allowed.first(), false);
        assertTrue(CompilerThreads.compilerThreadIds().size() >= 2, "a C1 and a C2 compiler thread at least");

        CompilerThreads compilers = CompilerThreads.confine();
        List<Set<Integer>> confined = awaitCompilerCpus(cpus -> cpus.stream().allMatch(others::equals));
        assertTrue(confined.stream().allMatch(others::equals), "confined to " + others + ": " + confined);

        compilers.release();
        List<Set<Integer>> released = awaitCompilerCpus(cpus -> cpus.stream().allMatch(all::equals));
        assertTrue(released.stream().allMatch(all::equals), "every CPU again (" + all + "): " + released);
    }

    @Test
    void leavesTheCompilersAloneWhenDisabled() throws Exception {
        Set<Integer> all = CompilerThreads.allowedCpus();
        System.setProperty("printery.compiler.confine", "false");
        try {
            CompilerThreads.confine();
            Thread.sleep(500);
            List<Set<Integer>> cpus = compilerCpus();
            assertTrue(cpus.stream().allMatch(all::equals), "untouched (" + all + "): " + cpus);
        } finally {
            System.clearProperty("printery.compiler.confine");
        }
    }

    @Test
    void readsAndWritesCpuLists() {
        assertEquals(Set.of(0, 1, 2, 3, 6), CompilerThreads.parseCpuList("0-3,6\n"));
        assertEquals(Set.of(0, 1, 4, 5), CompilerThreads.parseCpuList(" 0-1,4-5"));
        assertEquals(Set.of(1), CompilerThreads.parseCpuList("1"));
        assertEquals("1,4,5", CompilerThreads.cpuList(new TreeSet<>(Set.of(5, 1, 4))));
    }

    private static boolean onPath(String command) {
        return Stream.of(System.getenv("PATH").split(":")).anyMatch(dir -> Files.isExecutable(Path.of(dir, command)));
    }

    private static List<Set<Integer>> awaitCompilerCpus(Predicate<List<Set<Integer>>> done) throws Exception {
        long deadline = System.currentTimeMillis() + 10_000;
        List<Set<Integer>> cpus = compilerCpus();
        while (!done.test(cpus) && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
            cpus = compilerCpus();
        }
        return cpus;
    }

    private static List<Set<Integer>> compilerCpus() {
        List<Set<Integer>> cpus = new ArrayList<>();
        for (String id : CompilerThreads.compilerThreadIds()) {
            Set<Integer> of = CompilerThreads.cpusOf(id);
            if (of != null) {
                cpus.add(of);
            }
        }
        return cpus;
    }
}
