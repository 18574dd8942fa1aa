package routes.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import routes.support.Isolation;
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
        // A copy of the jar in a private directory: the archive is written beside it.
        Path jar = Files.copy(JarProcess.JAR, dir.resolve("printery.jar"));
        Path archive = dir.resolve("printery-run.jsa");
        String stream = "printery:launcher:" + UUID.randomUUID();
        String privateState = "-Dprintery.streams.deployment=" + stream + " -Dprintery.streams.validation=" + stream
                + ":validation -Dprintery.streams.dependency=" + stream + ":dependency -Dprintery.streams.health="
                + stream + ":health -Dprintery.streams.dlq=" + stream + ":dlq";
        Map<String, String> env = new HashMap<>(Map.of("PRINTERY_JAR", jar.toString(),
                "PRINTERY_REDIS_URL", RedisServer.shared().url(),
                "PRINTERY_DB_URL", "jdbc:h2:file:" + dir.resolve("db") + ";AUTO_SERVER=TRUE",
                "PRINTERY_NOTIFY_OUTBOX", dir.resolve("outbox.log").toString(),
                "PRINTERY_JAVA_OPTS", privateState));

        runUntilStarted(env);
        assertTrue(Files.size(archive) > 0, "archive written at exit: " + archive);

        env.put("PRINTERY_JAVA_OPTS", privateState + " -Xlog:class+load=info");
        JarProcess second = runUntilStarted(env);
        assertTrue(second.stdout().stream().anyMatch(l -> l.matches(".*routes\\.Printery source: shared objects file.*")),
                "the second run loads Printery's classes from the archive");
        assertFalse(second.stdout().stream().anyMatch(l -> l.matches(".*routes\\.Printery source: (file|jar):.*")),
                "and not from the jar");
    }

    /** Starts `bin/printery run`, waits for "started", stops it with SIGTERM and waits for it to exit. */
    private static JarProcess runUntilStarted(Map<String, String> env) throws Exception {
        Map<String, String> withPort = new HashMap<>(env);
        withPort.put("PRINTERY_HTTP_PORT", String.valueOf(Isolation.freePort()));
        try (JarProcess run = JarProcess.launch(withPort, "run")) {
            run.awaitStderr(line -> line.matches(".*Apache Camel \\S+ \\(printery\\) started.*"), 60, "Camel started");
            run.terminate();
            int exit = run.awaitExit(60);
            assertTrue(exit == 0 || exit == 143, "exit code " + exit);
            return run;
        }
    }
}
