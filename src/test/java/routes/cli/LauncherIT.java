package routes.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import routes.support.Ports;
import routes.support.RedisServer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** bin/printery: the jar's commands with Printery's JVM settings, and the class-data archive of `run`. */
class LauncherIT {

    @TempDir
    Path dir;

    @Test
    void runsTheJarsCommands() throws Exception {
        try (JarProcess help = JarProcess.launch(Map.of("PRINTERY_JAR", JarProcess.JAR.toAbsolutePath().toString()), "help")) {
            assertEquals(0, help.await());
            assertTrue(String.join("\n", help.stdout()).contains("usage: printery <command>"), () -> "stdout: " + help.stdout());
        }
    }

    @Test
    void saysHowToBuildAMissingJar() throws Exception {
        try (JarProcess help = JarProcess.launch(Map.of("PRINTERY_JAR", dir.resolve("none.jar").toString()), "help")) {
            assertEquals(2, help.await());
            assertTrue(String.join("\n", help.stderr()).contains("mvn -B -q package -DskipTests"), () -> "stderr: " + help.stderr());
        }
    }

    @Test
    void aRunWritesTheClassArchiveAtExitAndTheNextRunLoadsItsClassesFromIt() throws Exception {
        Map<String, String> env = runEnvironment();
        Path archive = dir.resolve("printery-run.jsa");

        runUntilStarted(env);
        assertTrue(Files.size(archive) > 0, "archive written at exit: " + archive);

        env.put("PRINTERY_JAVA_OPTS", env.get("PRINTERY_JAVA_OPTS") + " -Xlog:class+load=info");
        JarProcess second = runUntilStarted(env);
        assertTrue(second.stdout().stream().anyMatch(l -> l.matches(".*routes\\.Printery source: shared objects file.*")),
                "the second run loads Printery's classes from the archive");
        assertFalse(second.stdout().stream().anyMatch(l -> l.matches(".*routes\\.Printery source: (file|jar):.*")),
                "and not from the jar");
    }

    @Test
    void aRunThatFailsAtStartLeavesNoArchiveAndTheNextCleanRunWritesIt() throws Exception {
        Map<String, String> env = runEnvironment();
        Map<String, String> noRedis = new HashMap<>(env);
        noRedis.put("PRINTERY_REDIS_URL", "redis://127.0.0.1:" + Ports.free());
        try (JarProcess failed = JarProcess.launch(noRedis, "run")) {
            assertEquals(3, failed.await(), () -> "Redis unreachable; stderr: " + failed.stderr());
        }
        // The JVM wrote the classes of the failed start at exit; later runs would map them until the next rebuild.
        assertEquals(List.of(), archiveFiles(), "no archive and no temporary file after a failed start");

        runUntilStarted(env);
        assertTrue(Files.size(dir.resolve("printery-run.jsa")) > 0, "the next clean run writes the archive");
        assertEquals(List.of(dir.resolve("printery-run.jsa")), archiveFiles(), "and no temporary file is left");
    }

    @Test
    void sigtermToTheLauncherStopsPrinteryGracefullyAndItExitsWithJavasStatus() throws Exception {
        // No archive yet: the launcher waits for java (it writes the archive after it) instead of exec-ing it.
        Map<String, String> env = runEnvironment();
        env.put("PRINTERY_HTTP_PORT", String.valueOf(Ports.free()));
        try (JarProcess run = JarProcess.launch(env, "run")) {
            run.awaitStderr(line -> line.matches(".*Apache Camel \\S+ \\(printery\\) started.*"), 60, "Camel started");
            List<ProcessHandle> java = run.children();
            assertEquals(1, java.size(), "the launcher's java: " + java);
            run.terminateKeepingOutput();
            int exit = run.awaitExit(60);
            // The JVM's status after SIGTERM ran its shutdown hooks (128 + 15); a launcher that died of the signal
            // itself would give the same, but leave java running.
            assertEquals(143, exit, () -> "stderr: " + run.stderr());
            assertFalse(java.get(0).isAlive(), "java has exited when the launcher does");
            assertTrue(run.stderr().stream().anyMatch(l -> l.matches(".*Apache Camel \\(Main\\) \\S+ is shutdown.*")),
                    () -> "Camel shut down gracefully: " + run.stderr());
        }
    }

    /** A copy of the jar in a private directory (the archive is written beside it), with its own state. */
    private Map<String, String> runEnvironment() throws Exception {
        Path jar = Files.copy(JarProcess.JAR, dir.resolve("printery.jar"));
        String stream = "printery:launcher:" + UUID.randomUUID();
        String privateState = "-Dprintery.streams.deployment=" + stream + " -Dprintery.streams.validation=" + stream
                + ":validation -Dprintery.streams.dependency=" + stream + ":dependency -Dprintery.streams.health="
                + stream + ":health -Dprintery.streams.dlq=" + stream + ":dlq";
        return new HashMap<>(Map.of("PRINTERY_JAR", jar.toString(),
                "PRINTERY_REDIS_URL", RedisServer.shared().url(),
                "PRINTERY_DB_URL", "jdbc:h2:file:" + dir.resolve("db") + ";AUTO_SERVER=TRUE",
                "PRINTERY_NOTIFY_OUTBOX", dir.resolve("outbox.log").toString(),
                "PRINTERY_JAVA_OPTS", privateState));
    }

    /** The archive and any temporary file it is written to, beside the jar. */
    private List<Path> archiveFiles() throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().startsWith("printery-run.jsa")).sorted().toList();
        }
    }

    /** Starts `bin/printery run`, waits for "started", stops it with SIGTERM and waits for it to exit. */
    private static JarProcess runUntilStarted(Map<String, String> env) throws Exception {
        Map<String, String> withPort = new HashMap<>(env);
        withPort.put("PRINTERY_HTTP_PORT", String.valueOf(Ports.free()));
        try (JarProcess run = JarProcess.launch(withPort, "run")) {
            run.awaitStderr(line -> line.matches(".*Apache Camel \\S+ \\(printery\\) started.*"), 60, "Camel started");
            run.terminate();
            int exit = run.awaitExit(60);
            assertTrue(exit == 0 || exit == 143, "exit code " + exit);
            return run;
        }
    }
}
