package routes.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import routes.support.RedisServer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Printery's reference client for Python (clients/python/printery_client.py, which knows only proto/ and the entry
 * layout) and the packaged jar understand each other's events on a real stream; and the client's own tests pass
 * against the test Redis.
 */
class PythonInteropIT {

    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final Path CLIENT_DIR = Path.of("clients", "python");
    private static final Path SCRIPT = CLIENT_DIR.resolve("printery_client.py");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String redis = RedisServer.shared().url();
    private final String stream = "printery:interop:" + UUID.randomUUID();

    @BeforeAll
    static void pythonHasItsModules() throws Exception {
        Result check = exec(List.of(PYTHON.toString(), "-c", "import google.protobuf, redis"));
        Result protoc = exec(List.of("sh", "-c", "command -v protoc"));
        if (check.exit != 0 || protoc.exit != 0) {
            fail("the interop test needs Debian's protoc and Python modules for " + PYTHON + ": apt-get install -y "
                    + "protobuf-compiler python3-protobuf python3-redis (.ci/run does this). " + check.err + protoc.err);
        }
    }

    @Test
    void tailDecodesAnEventPublishedFromPython() throws Exception {
        Result published = exec(List.of(PYTHON.toString(), SCRIPT.toString(), "--redis", redis, "--proto-dir", "proto",
                "publish", "deployment:started", "dep-from-python", "--stream", stream, "--payload",
                "{\"deployment_started\": {\"version\": \"v9.8.7\", \"environment\": \"staging\", "
                        + "\"strategy\": \"rolling\", \"services\": [\"api\", \"web\"]}}"));
        assertEquals(0, published.exit, () -> "printery_client.py publish: " + published.err);
        String[] lines = published.out.strip().split("\n");
        String entryId = lines[0];
        String eventId = lines[1];

        try (JarProcess tail = JarProcess.start(Map.of("PRINTERY_REDIS_URL", redis),
                List.of("printery.streams.deployment=" + stream), "tail", "--json", "--from", entryId)) {
            assertEquals(0, tail.await(), () -> "tail: " + tail.stderr());
            assertEquals(1, tail.stdout().size(), () -> "tail output: " + tail.stdout() + " stderr: " + tail.stderr());
            JsonNode event = JSON.readTree(tail.stdout().get(0));
            assertEquals(eventId, event.path("event_id").asText());
            assertEquals("dep-from-python", event.path("deployment_id").asText());
            assertEquals("deployment:started", event.path("type").asText());
            assertEquals("v9.8.7", event.path("deployment_started").path("version").asText());
            assertEquals("web", event.path("deployment_started").path("services").path(1).asText());
        }
    }

    @Test
    void pythonDecodesAnEventThePublishCommandWrote() throws Exception {
        String entryId;
        try (JarProcess publish = JarProcess.start(Map.of("PRINTERY_REDIS_URL", redis),
                List.of("printery.streams.deployment=" + stream), "publish", "deployment:stage:railway:completed",
                "--deployment-id", "dep-from-java", "--status", "failure", "--duration-ms", "4200", "--error", "boom")) {
            assertEquals(0, publish.await(), () -> "publish: " + publish.stderr());
            entryId = publish.stdout().get(0);
        }

        Result decoded = exec(List.of(PYTHON.toString(), SCRIPT.toString(), "--redis", redis, "--proto-dir", "proto",
                "decode", stream, entryId));
        assertEquals(0, decoded.exit, () -> "printery_client.py decode: " + decoded.err);
        JsonNode event = JSON.readTree(decoded.out);
        assertEquals("deployment:stage:railway:completed", event.path("type").asText());
        assertEquals("dep-from-java", event.path("deployment_id").asText());
        assertEquals("PRIORITY_HIGH", event.path("priority").asText());
        JsonNode stage = event.path("stage_completed");
        assertEquals("railway", stage.path("stage").asText());
        assertEquals("DEPLOYMENT_STATUS_FAILURE", stage.path("status").asText());
        assertEquals("4200", stage.path("duration_ms").asText());
        assertEquals("boom", stage.path("error_message").asText());
        assertTrue(event.path("event_id").asText().length() == 36, "a UUID event id: " + event);
    }

    /** clients/python's README names this test command; here on the test Redis, with the repository's proto/. */
    @Test
    void theReferenceClientsOwnTestsPass() throws Exception {
        Result tests = exec(List.of(PYTHON.toString(), "-m", "unittest", "-v"), CLIENT_DIR,
                Map.of("PRINTERY_REDIS_URL", redis, "PRINTERY_PROTO_DIR", Path.of("proto").toAbsolutePath().toString(),
                        "PYTHONDONTWRITEBYTECODE", "1"));
        assertEquals(0, tests.exit, () -> "clients/python tests:\n" + tests.err + tests.out);
        assertTrue(tests.err.contains("\nOK"), () -> "unittest did not report OK:\n" + tests.err);
        assertTrue(tests.err.matches("(?s).*Ran ([6-9]|\\d\\d+) tests.*"), () -> "the client's tests did not run:\n" + tests.err);
    }

    private record Result(int exit, String out, String err) {
    }

    private static Result exec(List<String> command) throws IOException, InterruptedException {
        return exec(command, null, Map.of());
    }

    private static Result exec(List<String> command, Path dir, Map<String, String> environment)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile("interop", ".out");
        Path err = Files.createTempFile("interop", ".err");
        try {
            ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(command)).redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            if (dir != null) {
                builder.directory(dir.toFile());
            }
            builder.environment().putAll(environment);
            Process process = builder.start();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail(command + " did not finish within 60 s");
            }
            return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
