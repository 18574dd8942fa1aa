package routes.cli;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lettuce.core.RedisClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import routes.support.Ports;
import routes.support.RedisServer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Starts that go wrong say so in one line and exit non-zero; a good start says what an operator needs, then "ready". */
class StartupIT {

    @TempDir
    Path dir;

    private final String redis = RedisServer.shared().url();
    private final String stream = "printery:startup:" + UUID.randomUUID();
    private final List<String> onStream = List.of("printery.streams.deployment=" + stream,
            "printery.streams.validation=" + stream + ":validation", "printery.streams.dependency=" + stream + ":dependency",
            "printery.streams.health=" + stream + ":health", "printery.streams.dlq=" + stream + ":dlq");

    @Test
    void aMalformedRedisUrlIsOneLineNamingTheProblemAndExitCode2() throws Exception {
        Map<String, String> problems = new java.util.LinkedHashMap<>();
        problems.put("127.0.0.1:6379", "expected redis://host:port");
        problems.put("not a url", "expected redis://host:port");
        problems.put("http://127.0.0.1:6379", "scheme 'http'");
        problems.put("redis//127.0.0.1:6379", "expected redis://host:port");
        problems.put("redis://127.0.0.1:99999", "port '99999'");
        problems.put("redis://127.0.0.1:notaport", "port 'notaport'");
        problems.put("redis://:s3cret@127.0.0.1:notaport", "port 'notaport'");
        problems.put("", "PRINTERY_REDIS_URL is set but empty");
        for (var problem : problems.entrySet()) {
            // Every command reads the URL the same way: run for each, tail for the first (each start costs a JVM).
            for (String command : problem.getKey().equals("127.0.0.1:6379") ? List.of("run", "tail") : List.of("run")) {
                try (JarProcess run = JarProcess.start(Map.of("PRINTERY_REDIS_URL", problem.getKey(), "PRINTERY_HTTP_PORT",
                        String.valueOf(Ports.free())), List.of(), command)) {
                    assertEquals(2, run.awaitExit(30), () -> problem.getKey() + ": " + run.stderr());
                    assertEquals(1, run.stderr().size(), () -> "one line for '" + problem.getKey() + "': " + run.stderr());
                    assertTrue(run.stderr().get(0).startsWith("printery " + command + ": ")
                            && run.stderr().get(0).contains(problem.getValue()), () -> problem + ": " + run.stderr());
                    assertFalse(run.stderr().get(0).contains("s3cret"), "no password in the message");
                }
            }
        }
    }

    @Test
    void aTakenManagementPortIsOneLineNamingThePort() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            int port = taken.getLocalPort();
            try (JarProcess run = JarProcess.start(Map.of("PRINTERY_REDIS_URL", redis, "PRINTERY_HTTP_PORT",
                    String.valueOf(port), "PRINTERY_DATA_DIR", dir.toString()), onStream, "run")) {
                int exit = run.awaitExit(60);
                assertTrue(exit != 0, "exit code " + exit);
                assertEquals(1, run.stderr().size(), () -> "one line: " + run.stderr());
                assertTrue(run.stderr().get(0).contains("management port 127.0.0.1:" + port + " is in use"), () -> "" + run.stderr());
            }
        }
    }

    @Test
    void aBrokenRoutesFileIsOneLineWithFileLineAndColumn() throws Exception {
        Path routes = Files.writeString(dir.resolve("broken.yaml"), """
                - route:
                    id: broken
                    from:
                      uri: timer:broken
                     steps: [
                """);
        try (JarProcess run = JarProcess.start(Map.of("PRINTERY_REDIS_URL", redis, "PRINTERY_HTTP_PORT",
                String.valueOf(Ports.free()), "PRINTERY_DATA_DIR", dir.toString()),
                List.of("camel.main.routesIncludePattern=file:" + routes), "run")) {
            assertEquals(2, run.awaitExit(60), () -> "" + run.stderr());
            List<String> problems = run.stderr().stream().filter(l -> !l.contains(" INFO ")).toList();
            assertEquals(1, problems.size(), () -> "one line: " + run.stderr());
            assertTrue(problems.get(0).startsWith("printery run: file:" + routes + ":5:6: expected <block end>"),
                    () -> problems.get(0));
            assertTrue(run.stderr().stream().noneMatch(l -> l.contains("SIGTERM")), () -> "no SIGTERM was sent: " + run.stderr());
        }
    }

    @Test
    void routesEditedInThePrinteryRoutesDirectoryTakeEffectWithoutARebuild() throws Exception {
        Path routes = Files.createDirectories(dir.resolve("routes"));
        Files.createDirectories(routes.resolve("routes"));
        for (String file : List.of("routes.yaml", "routes/templates.yaml", "routes/errors.yaml")) {
            Files.copy(Path.of("src/main/resources", file), routes.resolve(file));
        }
        String topology = Files.readString(routes.resolve("routes.yaml"));
        String edited = topology.replace("""
                      - {name: category, value: validator-failures}
                """, """
                      - {name: category, value: validator-failures}
                      - {name: consumers, value: "3"}
                """);
        assertFalse(edited.equals(topology), "the validator's parameters are where this test edits them");
        Files.writeString(routes.resolve("routes.yaml"), edited);
        Map<String, String> env = Map.of("PRINTERY_REDIS_URL", redis, "PRINTERY_HTTP_PORT",
                String.valueOf(Ports.free()), "PRINTERY_DATA_DIR", dir.resolve("state").toString(),
                "PRINTERY_ROUTES", routes.toString());
        try (JarProcess run = JarProcess.start(env, onStream, "run")) {
            run.awaitStderr(line -> line.endsWith(" - ready"), 60, "ready");
            assertTrue(run.stderr().stream().anyMatch(l -> l.endsWith("validator: group printery-validator on " + stream
                    + " (3 consumers)")), () -> "the edited validator runs: " + run.stderr());
            assertTrue(run.stderr().stream().anyMatch(l -> l.contains("Routes: 26 from file:" + routes + "/**/*.yaml")),
                    () -> "" + run.stderr());
            run.terminate();
            run.awaitExit(45);
        }

        Files.writeString(routes.resolve("routes/errors.yaml"), "- routeConfiguration:\n    id: [broken\n");
        try (JarProcess run = JarProcess.start(env, onStream, "run")) {
            assertEquals(2, run.awaitExit(60), () -> "" + run.stderr());
            List<String> problems = run.stderr().stream().filter(l -> !l.contains(" INFO ")).toList();
            assertEquals(1, problems.size(), () -> "one line: " + run.stderr());
            assertTrue(problems.get(0).startsWith("printery run: file:" + routes.resolve("routes/errors.yaml") + ":"),
                    () -> problems.get(0));
        }
        Map<String, String> missing = new HashMap<>(env);
        missing.put("PRINTERY_ROUTES", dir.resolve("nowhere.yaml").toString());
        try (JarProcess run = JarProcess.start(missing, onStream, "run")) {
            assertEquals(2, run.awaitExit(60), () -> "" + run.stderr());
            assertEquals(List.of("printery run: PRINTERY_ROUTES: no route file or directory " + dir.resolve("nowhere.yaml")),
                    run.stderr(), () -> "" + run.stderr());
        }
    }

    @Test
    void runSaysWhatAnOperatorNeedsThenReadyWithoutPropertySummaries() throws Exception {
        Map<String, String> env = new HashMap<>(Map.of("PRINTERY_REDIS_URL", redis, "PRINTERY_HTTP_PORT",
                String.valueOf(Ports.free()), "PRINTERY_DATA_DIR", dir.resolve("state").toString()));
        try (JarProcess run = JarProcess.start(env, onStream, "run")) {
            run.awaitStderr(line -> line.endsWith(" - ready"), 60, "ready");
            List<String> start = run.stderr().subList(0, run.stderr().indexOf(run.awaitStderr(l -> l.endsWith(" - ready"), 1, "ready")) + 1);
            String text = String.join("\n", start);
            assertTrue(start.size() <= 25, () -> start.size() + " lines before ready:\n" + text);
            for (String needed : List.of("Printery ", "Redis " + redis, "Database jdbc:h2:file:" + dir.resolve("state"),
                    "Management server http://127.0.0.1:" + env.get("PRINTERY_HTTP_PORT"), "group printery-validator on " + stream,
                    "group printery-notifier", "Notifications: ", dir.resolve("state").resolve("outbox.log").toString())) {
                assertTrue(text.contains(needed), () -> "says " + needed + ":\n" + text);
            }
            assertFalse(text.contains("{{"), () -> "no unresolved placeholders:\n" + text);
            assertFalse(text.contains("summary"), () -> "no property summaries:\n" + text);
            assertTrue(Files.exists(dir.resolve("state").resolve("printery.mv.db")), "the H2 database in PRINTERY_DATA_DIR");
            run.terminate();
            run.awaitExit(45);
        }
    }

    @Test
    void withTheJsonLogFormatEveryLineIsOneJsonObject() throws Exception {
        Map<String, String> env = new HashMap<>(Map.of("PRINTERY_REDIS_URL", redis, "PRINTERY_HTTP_PORT",
                String.valueOf(Ports.free()), "PRINTERY_DATA_DIR", dir.resolve("state").toString(),
                "PRINTERY_LOG_FORMAT", "json"));
        try (JarProcess run = JarProcess.start(env, onStream, "run")) {
            run.awaitStderr(line -> line.contains("\"message\":\"ready\""), 60, "ready");
            run.terminate();
            run.awaitExit(45);
            ObjectMapper json = new ObjectMapper();
            assertTrue(run.stderr().size() > 5, run.stderr()::toString);
            for (String line : run.stderr()) {
                JsonNode parsed = json.readTree(line);
                assertTrue(parsed.has("@timestamp") && parsed.has("log.level") && parsed.has("message"), line);
            }
        }
        env.put("PRINTERY_LOG_FORMAT", "xml");
        try (JarProcess run = JarProcess.start(env, onStream, "run")) {
            assertEquals(2, run.awaitExit(30));
            assertEquals(List.of("printery: PRINTERY_LOG_FORMAT 'xml' is not one of [text, json]"), run.stderr());
        }
    }

    @Test
    void tailOfAnUnknownStreamAndPublishWithAnUnknownOptionAreUsageErrors() throws Exception {
        try (JarProcess tail = JarProcess.start(Map.of("PRINTERY_REDIS_URL", redis), List.of(), "tail", "--stream", stream + ":none")) {
            assertEquals(2, tail.await());
            assertEquals(List.of("printery tail: no stream '" + stream + ":none' in Redis (see 'printery tail --help')"),
                    tail.stderr().stream().filter(l -> !l.contains(" INFO ")).toList());
        }
        try (JarProcess publish = JarProcess.start(Map.of("PRINTERY_REDIS_URL", redis), onStream, "publish",
                "deployment:started", "--deployment-id", "d1", "--version", "v1", "--environment", "staging",
                "--services", "api", "--bogus-opt", "x")) {
            assertEquals(2, publish.await());
            assertTrue(publish.stdout().isEmpty(), () -> "nothing published: " + publish.stdout());
        }
        RedisClient client = RedisClient.create(redis);
        try (var connection = client.connect()) {
            assertEquals(0, connection.sync().exists(stream), "no stream written");
        } finally {
            client.shutdown();
        }
    }
}
