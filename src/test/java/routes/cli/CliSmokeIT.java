package routes.cli;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lettuce.core.RedisClient;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import routes.support.Ports;
import routes.support.RedisServer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The packaged jar as an operator runs it: separate processes, real Redis, exit codes and output. */
class CliSmokeIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String redis = RedisServer.shared().url();
    private final String stream = "printery:smoke:" + UUID.randomUUID();
    private final List<String> onStream = List.of("printery.streams.deployment=" + stream,
            "printery.streams.validation=" + stream + ":validation", "printery.streams.dlq=" + stream + ":dlq");

    @Test
    void publishPrintsEntryIdAndTailDecodesItWithProtoFieldNames() throws Exception {
        String entryId = publish("dep-smoke-publish");

        try (JarProcess tail = JarProcess.start(Map.of("PRINTERY_REDIS_URL", redis), onStream, "tail", "--json")) {
            assertEquals(0, tail.await(), () -> "tail failed: " + tail.stderr());
            assertEquals(1, tail.stdout().size(), () -> "one line per event: " + tail.stdout());
            JsonNode event = JSON.readTree(tail.stdout().get(0));
            assertEquals("deployment:started", event.path("type").asText());
            assertEquals("dep-smoke-publish", event.path("deployment_id").asText());
            assertFalse(event.path("event_id").asText().isEmpty(), "proto field name event_id: " + event);
            assertFalse(event.path("correlation_id").asText().isEmpty(), "proto field name correlation_id: " + event);
            assertEquals("v1.2.3", event.path("deployment_started").path("version").asText());
            assertEquals("api", event.path("deployment_started").path("services").path(0).asText());
            assertTrue(event.path("eventId").isMissingNode(), "JSON uses proto names, not camelCase: " + event);
        }
        try (JarProcess tail = JarProcess.start(Map.of("PRINTERY_REDIS_URL", redis), onStream, "tail", "--from", entryId)) {
            assertEquals(0, tail.await());
            assertTrue(tail.stdout().get(0).startsWith(entryId + " deployment:started deployment=dep-smoke-publish"),
                    () -> "plain tail line: " + tail.stdout());
        }
    }

    @Test
    void benchDeployEndsWithOneJsonObjectOfTheOrchestratorsFigures() throws Exception {
        try (JarProcess bench = JarProcess.start(Map.of(), List.of(), "bench", "--deploy", "--runs", "10", "--concurrent", "3")) {
            assertEquals(0, bench.awaitExit(120), () -> "bench --deploy failed: " + bench.stderr());
            JsonNode figures = JSON.readTree(bench.stdout().get(bench.stdout().size() - 1));
            assertEquals(10, figures.path("deploy_runs").asInt(), figures::toString);
            assertEquals(3, figures.path("concurrent_deployments").asInt(), figures::toString);
            // Every deployment of every round passed four gates: validation, and one per stage (health, with
            // dependencies on railway).
            assertEquals(figures.path("concurrent_rounds").asInt() * 3 * 4, figures.path("gate_samples").asInt(), figures::toString);
            for (String key : List.of("deploy_overhead_p50_ms", "deploy_overhead_p99_ms", "gate_p99_ms",
                    "baseline_xadd_to_xread_p99_ms")) {
                assertTrue(figures.path(key).asDouble() > 0, () -> key + " measured: " + figures);
            }
            assertTrue(figures.path("deploy_overhead_p50_ms").asDouble() <= figures.path("deploy_overhead_p99_ms").asDouble(),
                    figures::toString);
        }
        try (JarProcess bench = JarProcess.start(Map.of(), List.of(), "bench", "--deploy", "--runs", "3")) {
            assertEquals(2, bench.await());
            assertEquals(List.of("printery bench: --runs must be at least 10 and --concurrent at least 1 "
                    + "(see 'printery bench --help')"), bench.stderr());
        }
    }

    @Test
    void unknownEventTypeExitsWithUsageError() throws Exception {
        try (JarProcess publish = JarProcess.start(Map.of("PRINTERY_REDIS_URL", redis), onStream,
                "publish", "deployment:exploded", "--deployment-id", "dep-x")) {
            assertEquals(2, publish.await());
            assertTrue(String.join("\n", publish.stderr()).contains("unknown event type 'deployment:exploded'"),
                    () -> "stderr: " + publish.stderr());
            assertTrue(publish.stdout().isEmpty(), () -> "nothing published: " + publish.stdout());
        }
    }

    @Test
    void runFailsFastNamingTheUrlWhenRedisIsUnreachable() throws Exception {
        String closed = "redis://127.0.0.1:" + Ports.free();
        long started = System.nanoTime();
        try (JarProcess run = JarProcess.start(Map.of("PRINTERY_REDIS_URL", closed, "PRINTERY_HTTP_PORT",
                String.valueOf(Ports.free())), List.of(), "run")) {
            int exit = run.awaitExit(30);
            assertNotEquals(0, exit);
            assertTrue(String.join("\n", run.stderr()).contains("cannot reach Redis at " + closed),
                    () -> "stderr: " + run.stderr());
            assertTrue(System.nanoTime() - started < 30_000_000_000L);
        }
    }

    @Test
    void runConsumesAPublishedEventAndStopsCleanlyOnSigterm() throws Exception {
        Map<String, String> env = Map.of("PRINTERY_REDIS_URL", redis, "PRINTERY_HTTP_PORT", String.valueOf(Ports.free()));
        try (JarProcess run = JarProcess.start(env, onStream, "run")) {
            run.awaitStderr(line -> line.matches(".*Apache Camel \\S+ \\(printery\\) started.*"), 60, "Camel started");

            publish("dep-smoke-run");

            // The validator answers on the validation stream (the default manifest's targets are mostly absent here,
            // and "web" is no service of it, so the result is FAILED; what matters is that it arrives).
            Awaitility.await("validation:completed of dep-smoke-run").atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(200))
                    .untilAsserted(() -> assertTrue(validationResultFor("dep-smoke-run"), () -> "stderr: " + run.stderr()));
            run.terminate();
            int exit = run.awaitExit(45);
            // SIGTERM ends the JVM through its shutdown hooks: 143 (128 + 15) unless main returned first.
            assertTrue(exit == 0 || exit == 143, "exit code " + exit);
            // Stopped cleanly: the event it validated was acked before the process went away.
            assertEquals(0, pendingOf("printery-validator"), "entries left pending by the stopped consumer");
            assertTrue(run.stderr().stream().noneMatch(l -> l.contains(" ERROR ") || l.startsWith("\tat ")),
                    () -> "clean run and stop, no errors or stack traces: " + run.stderr());
        }
    }

    private String publish(String deploymentId) throws Exception {
        try (JarProcess publish = JarProcess.start(Map.of("PRINTERY_REDIS_URL", redis), onStream, "publish",
                "deployment:started", "--deployment-id", deploymentId, "--version", "v1.2.3", "--environment", "staging",
                "--services", "api,web")) {
            assertEquals(0, publish.await(), () -> "publish failed: " + publish.stderr());
            assertEquals(1, publish.stdout().size(), () -> "only the entry id on stdout: " + publish.stdout());
            String entryId = publish.stdout().get(0);
            assertTrue(entryId.matches("\\d+-\\d+"), "entry id: " + entryId);
            return entryId;
        }
    }

    private boolean validationResultFor(String deploymentId) {
        RedisClient client = RedisClient.create(redis);
        try (var connection = client.connect()) {
            return connection.sync().xrange(stream + ":validation", io.lettuce.core.Range.create("-", "+")).stream()
                    .anyMatch(m -> "validation:completed".equals(m.getBody().get("type"))
                            && deploymentId.equals(m.getBody().get("deployment_id")));
        } finally {
            client.shutdown();
        }
    }

    private long pendingOf(String group) {
        RedisClient client = RedisClient.create(redis);
        try (var connection = client.connect()) {
            return connection.sync().xpending(stream, group).getCount();
        } finally {
            client.shutdown();
        }
    }
}
