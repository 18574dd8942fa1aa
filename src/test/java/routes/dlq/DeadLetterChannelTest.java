package routes.dlq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.component.redis.processor.idempotent.SpringRedisStringIdempotentRepository;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import routes.events.EntryLayout;
import routes.events.InvalidEventException;
import routes.events.proto.DeploymentEvent;
import routes.streams.RedisStreamsConstants;

/**
 * The workers' routeConfiguration from routes.yaml on a test worker route, end to end: real Redis streams, the
 * dead-letter route, the recorder into H2, replay, the HTTP API on the management port and the alert window.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DeadLetterChannelTest {

    private static DlqTestApp app;
    private static DlqStore store;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void start() throws Exception {
        app = new DlqTestApp("jdbc:h2:mem:dlq-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", Map.of()).start();
        store = app.bean("dlqStore", DlqStore.class);
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
    }

    @Test
    @Order(1)
    void poisonInputsGoToTheDlqAtOnceWithAReasonAndTheWorkerGoesOn() throws Exception {
        byte[] valid = DlqTestApp.started("poison-valid").toByteArray();
        byte[] random = new byte[300];
        new Random(7).nextBytes(random);
        DeploymentEvent unknownType = DlqTestApp.started("poison-unknown").toBuilder().setType("deployment:exploded").build();
        DeploymentEvent missingFields = DlqTestApp.started("poison-missing").toBuilder().clearEventId().build();
        byte[] big = new byte[2 * 1024 * 1024];
        Arrays.fill(big, (byte) 'x');

        Map<String, String> expectedReason = new LinkedHashMap<>();
        expectedReason.put(app.addRaw(Map.of("type", b("deployment:started"), "event_id", b("e-random"), "payload", random)),
                "is not a DeploymentEvent");
        expectedReason.put(app.addRaw(Map.of("type", b("deployment:started"), "event_id", b("e-truncated"),
                "payload", Arrays.copyOf(valid, valid.length - 5))), "is not a DeploymentEvent");
        expectedReason.put(app.add(unknownType), "unknown event type 'deployment:exploded'");
        expectedReason.put(app.add(missingFields), "missing required field 'event_id'");
        expectedReason.put(app.addRaw(Map.of("type", b("deployment:started"), "event_id", b("e-big"), "payload", big)),
                "over maxEntryBytes");
        expectedReason.put(app.addRaw(Map.of("type", b("deployment:started"), "event_id", b("e-nopayload"))),
                "has no 'payload' field");
        app.add(DlqTestApp.started("after-poison"));

        DlqTestApp.await("the valid event after the poison", () -> app.worker.processed.contains("after-poison"));
        DlqTestApp.await("6 dead letters stored", () -> expectedReason.keySet().stream()
                .allMatch(src -> store.list("validator-failures", null, 100).stream().anyMatch(d -> src.equals(d.sourceEntryId()))));
        assertEquals(6, app.streamLength(app.dlqStream));
        for (var expected : expectedReason.entrySet()) {
            DeadLetter d = store.list("validator-failures", null, 100).stream()
                    .filter(x -> expected.getKey().equals(x.sourceEntryId())).findFirst().orElseThrow();
            assertEquals(1, d.attempts(), "poison is not retried: " + d);
            assertEquals(InvalidEventException.class.getName(), d.exceptionClass());
            assertTrue(d.exceptionMessage().contains(expected.getValue()), d.exceptionMessage());
            assertEquals(app.stream, d.sourceStream());
            assertEquals(app.group, d.group());
            assertEquals("test-worker", d.routeId());
        }
        String randomSource = expectedReason.keySet().iterator().next();
        DeadLetter randomBytes = store.find(store.list(null, null, 100).stream()
                .filter(x -> randomSource.equals(x.sourceEntryId())).findFirst().orElseThrow().id()).orElseThrow();
        assertTrue(Arrays.equals(random, randomBytes.payload()), "original payload bytes kept");
        assertEquals("e-random", randomBytes.eventId());
        assertEquals(0, app.worker.attempts.getOrDefault("poison-unknown", 0), "the worker never saw poison");
        DlqTestApp.await("source entries acked", () -> app.pending(app.stream, app.group) == 0);
        DlqTestApp.await("dead letters acked by the recorder", () -> app.pending(app.dlqStream, "printery-dlq") == 0);
    }

    @Test
    @Order(2)
    void transientFailureIsRetriedThreeTimesThenDeadLetteredAndAcked() throws Exception {
        app.worker.failing.add("transient-1");
        DeploymentEvent event = DlqTestApp.started("transient-1");
        String source = app.add(event);

        DeadLetter d = awaitDeadLetter(source);
        assertEquals(4, app.worker.attempts.get("transient-1"), "first attempt + 3 redeliveries");
        assertEquals(4, d.attempts());
        assertEquals("java.net.ConnectException", d.exceptionClass());
        assertTrue(d.exceptionMessage().contains("Connection refused"), d.exceptionMessage());
        assertTrue(d.lastFailureAt().isAfter(d.firstFailureAt()), d.firstFailureAt() + " .. " + d.lastFailureAt());
        assertEquals("validator-failures", d.worker());
        assertEquals(event.getEventId(), d.eventId());
        assertEquals("deployment:started", d.eventType());
        assertEquals("transient-1", d.deploymentId());
        assertTrue(Arrays.equals(event.toByteArray(), store.find(d.id()).orElseThrow().payload()));
        DlqTestApp.await("source entry acked after the dead letter", () -> app.pending(app.stream, app.group) == 0);
    }

    @Test
    @Order(3)
    void replayAfterTheFailureIsFixedProcessesTheEventOnceAndOnlyForcedAgain() throws Exception {
        app.worker.failing.add("replay-1");
        DeploymentEvent event = DlqTestApp.started("replay-1");
        DeadLetter d = awaitDeadLetter(app.add(event));
        var idempotency = app.bean("validatorIdempotency", SpringRedisStringIdempotentRepository.class);
        // The recorder can store the dead letter before the failed exchange has completed and released its key.
        DlqTestApp.await("the idempotent consumer forgets an event whose failure the dead letter channel handled",
                () -> !idempotency.contains(event.getEventId()));

        app.worker.failing.remove("replay-1");
        DlqReplayer replayer = app.bean("dlqReplayer", DlqReplayer.class);
        long before = app.streamLength(app.stream);
        DlqReplayer.Result first = replayer.replay(d.id(), false);
        assertEquals(DlqReplayer.Outcome.REPLAYED, first.outcome());
        DlqTestApp.await("replayed event processed", () -> app.worker.processed.contains("replay-1"));
        assertEquals(before + 1, app.streamLength(app.stream));
        DeadLetter replayed = store.find(d.id()).orElseThrow();
        assertNotNull(replayed.replayedAt());
        assertEquals(first.entryId(), replayed.replayEntryId());
        assertEquals(1, replayed.replayCount());
        var entry = app.redis.sync().xrange(app.stream.getBytes(), io.lettuce.core.Range.create(first.entryId(), first.entryId()));
        Map<String, byte[]> fields = new HashMap<>();
        entry.get(0).getBody().forEach((k, v) -> fields.put(new String(k), v));
        assertEquals(Set.of("type", "event_id", "deployment_id", "correlation_id", "payload"), fields.keySet());
        assertTrue(Arrays.equals(event.toByteArray(), fields.get(EntryLayout.FIELD_PAYLOAD)));

        DlqReplayer.Result second = replayer.replay(d.id(), false);
        assertEquals(DlqReplayer.Outcome.ALREADY_REPLAYED, second.outcome());
        assertEquals(before + 1, app.streamLength(app.stream), "a second replay writes nothing");

        DlqReplayer.Result forced = replayer.replay(d.id(), true);
        assertEquals(DlqReplayer.Outcome.REPLAYED, forced.outcome());
        assertEquals(before + 2, app.streamLength(app.stream));
        assertEquals(2, store.find(d.id()).orElseThrow().replayCount());
        DlqTestApp.await("forced replay consumed", () -> app.pending(app.stream, app.group) == 0);
        assertEquals(1, app.worker.processed.stream().filter("replay-1"::equals).count(),
                "the forced replay of an event processed since is skipped by the idempotent consumer");
    }

    @Test
    @Order(4)
    void httpApiListsShowsAndReplays() throws Exception {
        app.worker.failing.add("http-1");
        DeploymentEvent event = DlqTestApp.started("http-1");
        DeadLetter d = awaitDeadLetter(app.add(event));

        JsonNode all = JSON.readTree(get("/api/dlq").body());
        assertTrue(all.size() >= 9, all.toString());
        JsonNode none = JSON.readTree(get("/api/dlq?worker=notification-failures").body());
        assertEquals(0, none.size());
        JsonNode recent = JSON.readTree(get("/api/dlq?worker=validator-failures&since="
                + d.deadLetteredAt().minusMillis(1)).body());
        assertEquals(1, recent.size(), recent.toString());
        assertEquals(d.id(), recent.get(0).get("id").asText());
        assertEquals(400, get("/api/dlq?since=yesterday").statusCode());
        HttpResponse<String> badLimit = get("/api/dlq?limit=ten");
        assertEquals(400, badLimit.statusCode());
        assertTrue(badLimit.body().contains("limit must be a positive whole number"), badLimit.body());
        assertEquals(400, get("/api/dlq?limit=0").statusCode());

        HttpResponse<String> shown = get("/api/dlq/" + d.id());
        assertEquals(200, shown.statusCode());
        assertEquals("application/json", shown.headers().firstValue("Content-Type").orElse(""));
        JsonNode one = JSON.readTree(shown.body());
        assertEquals("http-1", one.get("deployment_id").asText());
        assertEquals(4, one.get("attempts").asInt());
        assertEquals(event.getEventId(), DeploymentEvent.parseFrom(
                java.util.Base64.getDecoder().decode(one.get("payload_base64").asText())).getEventId());
        assertEquals(404, get("/api/dlq/0-1").statusCode());

        app.worker.failing.remove("http-1");
        // A page elsewhere cannot make a browser replay it: a foreign Origin and a form or text body are refused.
        HttpResponse<String> foreign = post("/api/dlq/" + d.id() + "/replay", "Origin", "http://evil.example");
        assertEquals(403, foreign.statusCode(), foreign.body());
        assertTrue(JSON.readTree(foreign.body()).get("error").asText().startsWith("cross-origin request refused"), foreign.body());
        assertEquals(415, post("/api/dlq/" + d.id() + "/replay", "Content-Type", "application/x-www-form-urlencoded").statusCode());
        assertEquals(null, store.find(d.id()).orElseThrow().replayedAt(), "the refused requests replayed nothing");

        HttpResponse<String> replay = post("/api/dlq/" + d.id() + "/replay");
        assertEquals(200, replay.statusCode(), replay.body());
        assertEquals("replayed", JSON.readTree(replay.body()).get("outcome").asText());
        DlqTestApp.await("replayed over HTTP and processed", () -> app.worker.processed.contains("http-1"));
        assertEquals(409, post("/api/dlq/" + d.id() + "/replay").statusCode());
        // From the server's own origin (a page it serves), as without an Origin (curl, scripts).
        assertEquals(200, post("/api/dlq/" + d.id() + "/replay?force=true", "Origin", "http://127.0.0.1:" + app.httpPort)
                .statusCode());
        assertEquals(404, post("/api/dlq/0-1/replay").statusCode());
    }

    @Test
    @Order(5)
    void aBurstOf500DeadLettersRaisesOneAlertWithTheCount() throws Exception {
        // Wait until every earlier dead letter was alerted.
        int earlier = store.list(null, null, 10_000).size();
        DlqTestApp.await("earlier alert windows closed and sent", () -> app.alerts.stream()
                .mapToInt(a -> a.getMessage().getHeader("PrinteryDeadLetterCount", 0, Integer.class)).sum() >= earlier);
        int alertsBefore = app.alerts.size();
        for (int i = 0; i < 500; i++) {
            Map<String, Object> letter = new LinkedHashMap<>();
            letter.put("type", "deployment:started");
            letter.put("event_id", "burst-" + i);
            letter.put("source_stream", app.stream);
            letter.put("source_entry_id", "1-" + i);
            letter.put("group", app.group);
            letter.put("worker", i % 2 == 0 ? "notification-failures" : "health-check-failures");
            letter.put("attempts", "4");
            letter.put("exception_class", "java.net.ConnectException");
            letter.put("exception_message", "Connection refused");
            letter.put("dead_lettered_at", Instant.now().toString());
            letter.put("payload", DlqTestApp.started("burst-" + i).toByteArray());
            app.camel().createProducerTemplate().sendBody("redis-streams:" + app.dlqStream, letter);
        }
        DlqTestApp.await("an alert after the burst", () -> app.alerts.size() > alertsBefore);
        Thread.sleep(2500); // one more alert window: a second alert for the same burst would arrive in it
        List<org.apache.camel.Exchange> alerts = app.alerts.subList(alertsBefore, app.alerts.size());
        assertEquals(1, alerts.size(), "one alert for the burst");
        org.apache.camel.Message alert = alerts.get(0).getMessage();
        assertEquals(500, alert.getHeader("PrinteryDeadLetterCount", Integer.class));
        assertEquals("Printery: 500 dead letters", alert.getHeader(DlqAlerts.ALERT_TITLE));
        String text = alert.getBody(String.class);
        assertTrue(text.startsWith("500 events were dead-lettered"), text);
        assertTrue(text.contains("health-check-failures 250") && text.contains("notification-failures 250"), text);
        assertEquals(500, store.list(null, null, 10_000).stream().filter(x -> x.eventId().startsWith("burst-")).count());
    }

    @Test
    @Order(6)
    void aResultThatCannotBePublishedIsRetriedByTheWorkerThenDeadLettered() throws Exception {
        // XADD onto a key that is no stream fails (WRONGTYPE) on every attempt.
        byte[] deployment = app.main.getCamelContext().resolvePropertyPlaceholders("{{printery.streams.deployment}}")
                .getBytes(StandardCharsets.UTF_8);
        app.redis.sync().set(deployment, "not a stream".getBytes(StandardCharsets.UTF_8));
        try {
            Map<byte[], byte[]> entry = EntryLayout.entryOf(DlqTestApp.started("publish-1"));
            String source = app.redis.sync().xadd((app.stream + ":publishing").getBytes(StandardCharsets.UTF_8), entry);
            DeadLetter d = awaitDeadLetter(source);
            // Camel redelivers the failing step, the publish: first attempt + 3 redeliveries.
            assertEquals(4, d.attempts());
            assertEquals(1, app.worker.attempts.get("publish-1"), "the work before the publish is not redone");
            assertTrue(d.exceptionMessage().contains("WRONGTYPE"), d.exceptionMessage());
            DlqTestApp.await("source entry acked", () -> app.pending(app.stream + ":publishing", app.group) == 0);
        } finally {
            app.redis.sync().del(deployment);
        }
    }

    @Test
    @Order(7)
    void aDeadLetterWithOverlongOrUnreadableFieldsIsStillRecorded() throws Exception {
        String longId = "e".repeat(300);
        Map<String, Object> letter = new LinkedHashMap<>();
        letter.put("type", "deployment:started");
        letter.put("event_id", longId);
        letter.put("source_stream", app.stream);
        letter.put("source_entry_id", "1-1");
        letter.put("group", app.group);
        letter.put("worker", "w".repeat(100));
        letter.put("attempts", "many");
        letter.put("exception_class", "java.net.ConnectException");
        letter.put("exception_message", "x".repeat(5000));
        letter.put("dead_lettered_at", "yesterday");
        letter.put("payload", DlqTestApp.started("overlong").toBuilder().setEventId(longId).build().toByteArray());
        String id = app.camel().createProducerTemplate().send("redis-streams:" + app.dlqStream, e -> e.getIn().setBody(letter))
                .getMessage().getHeader(RedisStreamsConstants.ENTRY_ID, String.class);

        DlqTestApp.await("recorded", () -> store.find(id).isPresent());
        DeadLetter d = store.find(id).orElseThrow();
        assertEquals(null, d.eventId(), "an event id longer than its column is left to the payload");
        assertEquals("deployment:started", d.eventType());
        assertEquals(64, d.worker().length());
        assertEquals(4000, d.exceptionMessage().length());
        assertEquals(1, d.attempts());
        assertNotNull(d.deadLetteredAt());
        DlqTestApp.await("DLQ entry acked", () -> app.pending(app.dlqStream, "printery-dlq") == 0);
    }

    @Test
    @Order(8)
    void everyPathToTheDlqKeepsTheSourceEntrysPayloadAndFieldsAndReplayPutsThemBack() throws Exception {
        byte[] undecodable = new byte[64];
        new Random(11).nextBytes(undecodable);
        app.worker.invalid.add("path-invalid");
        app.worker.failing.add("path-exhausted");
        app.worker.failing.add("path-publish");
        Map<String, String> sources = new LinkedHashMap<>();
        sources.put("decode failure", app.addRaw(Map.of("type", b("deployment:started"), "event_id", b("e-undecodable"),
                "deployment_id", b("path-decode"), "correlation_id", b("c-path-decode"), "payload", undecodable)));
        sources.put("invalid in the worker bean", app.add(DlqTestApp.started("path-invalid")));
        sources.put("retries exhausted", app.add(DlqTestApp.started("path-exhausted")));
        byte[] deployment = app.main.getCamelContext().resolvePropertyPlaceholders("{{printery.streams.deployment}}")
                .getBytes(StandardCharsets.UTF_8);
        app.redis.sync().set(deployment, "not a stream".getBytes(StandardCharsets.UTF_8));
        String publishing = app.stream + ":publishing";
        try {
            app.worker.failing.remove("path-publish");
            sources.put("publish failure", app.redis.sync().xadd(publishing.getBytes(StandardCharsets.UTF_8),
                    EntryLayout.entryOf(DlqTestApp.started("path-publish"))));
            for (var source : sources.entrySet()) {
                awaitDeadLetter(source.getValue());
            }
        } finally {
            app.redis.sync().del(deployment);
        }

        DlqReplayer replayer = app.bean("dlqReplayer", DlqReplayer.class);
        for (var source : sources.entrySet()) {
            String path = source.getKey();
            String sourceStream = path.equals("publish failure") ? publishing : app.stream;
            Map<String, byte[]> original = entry(sourceStream, source.getValue());
            DeadLetter d = store.find(awaitDeadLetter(source.getValue()).id()).orElseThrow();
            assertTrue(Arrays.equals(original.get("payload"), d.payload()), path + ": stored payload is the source's");
            assertEquals(original.get("payload").length, d.payloadSize(), path);
            Map<String, byte[]> dlqEntry = entry(app.dlqStream, d.id());
            assertTrue(Arrays.equals(original.get("payload"), dlqEntry.get("payload")), path + ": DLQ entry's payload");
            for (String field : List.of("type", "event_id", "deployment_id", "correlation_id")) {
                assertEquals(new String(original.get(field), StandardCharsets.UTF_8),
                        new String(dlqEntry.get(field), StandardCharsets.UTF_8), path + ": DLQ entry's " + field);
            }
            assertEquals(new String(original.get("event_id"), StandardCharsets.UTF_8), d.eventId(), path);
            assertEquals(new String(original.get("deployment_id"), StandardCharsets.UTF_8), d.deploymentId(), path);

            DlqReplayer.Result replayed = replayer.replay(d.id(), false);
            assertEquals(DlqReplayer.Outcome.REPLAYED, replayed.outcome(), path);
            Map<String, byte[]> back = entry(sourceStream, replayed.entryId());
            for (String field : List.of("type", "event_id", "deployment_id", "correlation_id", "payload")) {
                assertTrue(Arrays.equals(original.get(field), back.get(field)), path + ": replayed " + field);
            }
        }
    }

    private static Map<String, byte[]> entry(String stream, String id) {
        var found = app.redis.sync().xrange(stream.getBytes(StandardCharsets.UTF_8), io.lettuce.core.Range.create(id, id));
        assertEquals(1, found.size(), () -> "entry " + id + " on " + stream);
        Map<String, byte[]> fields = new HashMap<>();
        found.get(0).getBody().forEach((k, v) -> fields.put(new String(k, StandardCharsets.UTF_8), v));
        return fields;
    }

    private DeadLetter awaitDeadLetter(String sourceEntryId) throws InterruptedException {
        DlqTestApp.await("dead letter of " + sourceEntryId, () -> store.list(null, null, 10_000).stream()
                .anyMatch(x -> sourceEntryId.equals(x.sourceEntryId())));
        return store.list(null, null, 10_000).stream().filter(x -> sourceEntryId.equals(x.sourceEntryId())).findFirst()
                .orElseThrow();
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.httpPort + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.httpPort + path))
                .POST(HttpRequest.BodyPublishers.noBody());
        if (headers.length > 0) {
            request.headers(headers);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
