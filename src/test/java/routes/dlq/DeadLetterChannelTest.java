package routes.dlq;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Exchange;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.component.mock.MockEndpoint;
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
import routes.events.proto.DeploymentStartedEvent;
import routes.streams.RedisStreamsConstants;
import routes.support.TestApp;

/**
 * The workers' routeConfiguration from routes.yaml on a test worker route, end to end: real Redis streams, the
 * dead-letter route, the recorder into H2, replay, the HTTP API on the management port and the alert window. Dead
 * letters are told apart by their source stream and entry id: entries of two streams added in the same millisecond
 * can share an id.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DeadLetterChannelTest {

    /** The test worker's group on its streams. */
    static final String GROUP = "test-worker";
    private static final Duration WAIT = Duration.ofSeconds(20);

    private static final String STREAM = "test:dlq:source:" + UUID.randomUUID();
    private static final FlakyWorker WORKER = new FlakyWorker();
    private static TestApp app;
    private static DlqStore store;
    /** What the ops-alert route was given. */
    private static MockEndpoint alerts;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void start() throws Exception {
        app = withTestWorker(STREAM, WORKER, "jdbc:h2:mem:dlq-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1").start();
        store = app.dlq();
        alerts = app.tap("ops-alert");
    }

    /**
     * Printery as `printery run` starts it (routes.yaml, application.properties, the configuration classes) plus the
     * test routes of dlq-test-routes.yaml: the worker reads {@code stream} and {@code stream}:publishing in
     * {@link #GROUP}; short retries, of the database too.
     */
    static TestApp.Builder withTestWorker(String stream, FlakyWorker worker, String dbUrl) {
        return TestApp.builder().routeFile("classpath:dlq-test-routes.yaml").bind("flakyWorker", worker)
                .property("test.stream", stream).property("test.group", GROUP)
                .property("printery.db.url", dbUrl).property("printery.db.connect-timeout", "3000")
                .shortRetries().property("printery.db.retry.delay", "100").property("printery.db.retry.maximum-delay", "400")
                .property("printery.dlq.alert-window", "2s");
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
        byte[] valid = started("poison-valid").toByteArray();
        byte[] random = new byte[300];
        new Random(7).nextBytes(random);
        DeploymentEvent unknownType = started("poison-unknown").toBuilder().setType("deployment:exploded").build();
        DeploymentEvent missingFields = started("poison-missing").toBuilder().clearEventId().build();
        byte[] big = new byte[2 * 1024 * 1024];
        Arrays.fill(big, (byte) 'x');

        Map<String, String> expectedReason = new LinkedHashMap<>();
        expectedReason.put(addRaw(Map.of("type", b("deployment:started"), "event_id", b("e-random"), "payload", random)),
                "is not a DeploymentEvent");
        expectedReason.put(addRaw(Map.of("type", b("deployment:started"), "event_id", b("e-truncated"),
                "payload", Arrays.copyOf(valid, valid.length - 5))), "is not a DeploymentEvent");
        expectedReason.put(add(unknownType), "unknown event type 'deployment:exploded'");
        expectedReason.put(add(missingFields), "missing required field 'event_id'");
        expectedReason.put(addRaw(Map.of("type", b("deployment:started"), "event_id", b("e-big"), "payload", big)),
                "over maxEntryBytes");
        expectedReason.put(addRaw(Map.of("type", b("deployment:started"), "event_id", b("e-nopayload"))),
                "has no 'payload' field");
        add(started("after-poison"));

        awaitTrue("the valid event after the poison", () -> WORKER.processed.contains("after-poison"));
        awaitTrue("6 dead letters stored", () -> expectedReason.keySet().stream()
                .allMatch(src -> store.list("validator-failures", null, 100).stream().anyMatch(d -> of(d, STREAM, src))));
        assertEquals(6, app.length(app.streams().dlq()));
        for (var expected : expectedReason.entrySet()) {
            DeadLetter d = store.list("validator-failures", null, 100).stream()
                    .filter(x -> of(x, STREAM, expected.getKey())).findFirst().orElseThrow();
            assertEquals(1, d.attempts(), "poison is not retried: " + d);
            assertEquals(InvalidEventException.class.getName(), d.exceptionClass());
            assertTrue(d.exceptionMessage().contains(expected.getValue()), d.exceptionMessage());
            assertEquals(STREAM, d.sourceStream());
            assertEquals(GROUP, d.group());
            assertEquals("test-worker", d.routeId());
        }
        String randomSource = expectedReason.keySet().iterator().next();
        DeadLetter randomBytes = store.find(store.list(null, null, 100).stream()
                .filter(x -> of(x, STREAM, randomSource)).findFirst().orElseThrow().id()).orElseThrow();
        assertTrue(Arrays.equals(random, randomBytes.payload()), "original payload bytes kept");
        assertEquals("e-random", randomBytes.eventId());
        assertEquals(0, WORKER.attempts.getOrDefault("poison-unknown", 0), "the worker never saw poison");
        app.awaitAcked(STREAM, GROUP);
        app.awaitAcked(app.streams().dlq(), "printery-dlq");
    }

    @Test
    @Order(2)
    void transientFailureIsRetriedThreeTimesThenDeadLetteredAndAcked() throws Exception {
        WORKER.failing.add("transient-1");
        DeploymentEvent event = started("transient-1");
        String source = add(event);

        DeadLetter d = awaitDeadLetter(STREAM, source);
        assertEquals(4, WORKER.attempts.get("transient-1"), "first attempt + 3 redeliveries");
        assertEquals(4, d.attempts());
        assertEquals("java.net.ConnectException", d.exceptionClass());
        assertTrue(d.exceptionMessage().contains("Connection refused"), d.exceptionMessage());
        assertTrue(d.lastFailureAt().isAfter(d.firstFailureAt()), d.firstFailureAt() + " .. " + d.lastFailureAt());
        assertEquals("validator-failures", d.worker());
        assertEquals(event.getEventId(), d.eventId());
        assertEquals("deployment:started", d.eventType());
        assertEquals("transient-1", d.deploymentId());
        assertTrue(Arrays.equals(event.toByteArray(), store.find(d.id()).orElseThrow().payload()));
        app.awaitAcked(STREAM, GROUP);
    }

    @Test
    @Order(3)
    void replayAfterTheFailureIsFixedProcessesTheEventOnceAndOnlyForcedAgain() throws Exception {
        WORKER.failing.add("replay-1");
        DeploymentEvent event = started("replay-1");
        DeadLetter d = awaitDeadLetter(STREAM, add(event));
        var idempotency = app.bean("validatorIdempotency", SpringRedisStringIdempotentRepository.class);
        // The recorder can store the dead letter before the failed exchange has completed and released its key.
        awaitTrue("the idempotent consumer forgets an event whose failure the dead letter channel handled",
                () -> !idempotency.contains(event.getEventId()));

        WORKER.failing.remove("replay-1");
        NotifyBuilder replaysConsumed = new NotifyBuilder(app.camel()).fromRoute("test-worker")
                .filter(exchange -> "replay-1".equals(exchange.getMessage().getHeader(EntryLayout.DEPLOYMENT_ID)))
                .whenDone(2).create();
        DlqReplayer replayer = app.bean("dlqReplayer", DlqReplayer.class);
        long before = app.length(STREAM);
        DlqReplayer.Result first = replayer.replay(d.id(), false);
        assertEquals(DlqReplayer.Outcome.REPLAYED, first.outcome());
        awaitTrue("replayed event processed", () -> WORKER.processed.contains("replay-1"));
        assertEquals(before + 1, app.length(STREAM));
        DeadLetter replayed = store.find(d.id()).orElseThrow();
        assertNotNull(replayed.replayedAt());
        assertEquals(first.entryId(), replayed.replayEntryId());
        assertEquals(1, replayed.replayCount());
        Map<String, byte[]> fields = entry(STREAM, first.entryId());
        assertEquals(Set.of("type", "event_id", "deployment_id", "correlation_id", "payload"), fields.keySet());
        assertTrue(Arrays.equals(event.toByteArray(), fields.get(EntryLayout.FIELD_PAYLOAD)));

        DlqReplayer.Result second = replayer.replay(d.id(), false);
        assertEquals(DlqReplayer.Outcome.ALREADY_REPLAYED, second.outcome());
        assertEquals(before + 1, app.length(STREAM), "a second replay writes nothing");

        DlqReplayer.Result forced = replayer.replay(d.id(), true);
        assertEquals(DlqReplayer.Outcome.REPLAYED, forced.outcome());
        assertEquals(before + 2, app.length(STREAM));
        assertEquals(2, store.find(d.id()).orElseThrow().replayCount());
        assertTrue(replaysConsumed.matches(WAIT.toSeconds(), TimeUnit.SECONDS), "the replay and the forced replay consumed");
        assertEquals(1, WORKER.processed.stream().filter("replay-1"::equals).count(),
                "the forced replay of an event processed since is skipped by the idempotent consumer");
    }

    @Test
    @Order(4)
    void httpApiListsShowsAndReplays() throws Exception {
        WORKER.failing.add("http-1");
        DeploymentEvent event = started("http-1");
        DeadLetter d = awaitDeadLetter(STREAM, add(event));

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

        WORKER.failing.remove("http-1");
        // A page elsewhere cannot make a browser replay it: a foreign Origin and a form or text body are refused.
        HttpResponse<String> foreign = post("/api/dlq/" + d.id() + "/replay", "Origin", "http://evil.example");
        assertEquals(403, foreign.statusCode(), foreign.body());
        assertTrue(JSON.readTree(foreign.body()).get("error").asText().startsWith("cross-origin request refused"), foreign.body());
        assertEquals(415, post("/api/dlq/" + d.id() + "/replay", "Content-Type", "application/x-www-form-urlencoded").statusCode());
        assertEquals(null, store.find(d.id()).orElseThrow().replayedAt(), "the refused requests replayed nothing");

        HttpResponse<String> replay = post("/api/dlq/" + d.id() + "/replay");
        assertEquals(200, replay.statusCode(), replay.body());
        assertEquals("replayed", JSON.readTree(replay.body()).get("outcome").asText());
        awaitTrue("replayed over HTTP and processed", () -> WORKER.processed.contains("http-1"));
        assertEquals(409, post("/api/dlq/" + d.id() + "/replay").statusCode());
        // From the server's own origin (a page it serves), as without an Origin (curl, scripts).
        assertEquals(200, post("/api/dlq/" + d.id() + "/replay?force=true", "Origin", app.url(""))
                .statusCode());
        assertEquals(404, post("/api/dlq/0-1/replay").statusCode());
    }

    @Test
    @Order(5)
    void aBurstOf500DeadLettersRaisesOneAlertWithTheCount() throws Exception {
        // Wait until every earlier dead letter was alerted.
        int earlier = store.list(null, null, 10_000).size();
        awaitTrue("earlier alert windows closed and sent", () -> alerts.getReceivedExchanges().stream()
                .mapToInt(a -> a.getMessage().getHeader("PrinteryDeadLetterCount", 0, Integer.class)).sum() >= earlier);
        int alertsBefore = alerts.getReceivedCounter();
        for (int i = 0; i < 500; i++) {
            Map<String, Object> letter = new LinkedHashMap<>();
            letter.put("type", "deployment:started");
            letter.put("event_id", "burst-" + i);
            letter.put("source_stream", STREAM);
            letter.put("source_entry_id", "1-" + i);
            letter.put("group", GROUP);
            letter.put("worker", i % 2 == 0 ? "notification-failures" : "health-check-failures");
            letter.put("attempts", "4");
            letter.put("exception_class", "java.net.ConnectException");
            letter.put("exception_message", "Connection refused");
            letter.put("dead_lettered_at", Instant.now().toString());
            letter.put("payload", started("burst-" + i).toByteArray());
            app.camel().createProducerTemplate().sendBody("redis-streams:" + app.streams().dlq(), letter);
        }
        awaitTrue("an alert after the burst", () -> alerts.getReceivedCounter() > alertsBefore);
        // one more alert window: a second alert for the same burst would arrive in it
        await("no second alert for the burst").during(Duration.ofMillis(2500)).atMost(Duration.ofMillis(3500))
                .until(() -> alerts.getReceivedCounter() == alertsBefore + 1);
        List<Exchange> burst = alerts.getReceivedExchanges().subList(alertsBefore, alerts.getReceivedCounter());
        assertEquals(1, burst.size(), "one alert for the burst");
        org.apache.camel.Message alert = burst.get(0).getMessage();
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
        byte[] deployment = app.streams().deployment().getBytes(StandardCharsets.UTF_8);
        app.redis().set(deployment, "not a stream".getBytes(StandardCharsets.UTF_8));
        try {
            Map<byte[], byte[]> entry = EntryLayout.entryOf(started("publish-1"));
            String source = app.add(STREAM + ":publishing", entry);
            DeadLetter d = awaitDeadLetter(STREAM + ":publishing", source);
            // Camel redelivers the failing step, the publish: first attempt + 3 redeliveries.
            assertEquals(4, d.attempts());
            assertEquals(1, WORKER.attempts.get("publish-1"), "the work before the publish is not redone");
            assertTrue(d.exceptionMessage().contains("WRONGTYPE"), d.exceptionMessage());
            app.awaitAcked(STREAM + ":publishing", GROUP);
        } finally {
            app.redis().del(deployment);
        }
    }

    @Test
    @Order(7)
    void aDeadLetterWithOverlongOrUnreadableFieldsIsStillRecorded() throws Exception {
        String longId = "e".repeat(300);
        Map<String, Object> letter = new LinkedHashMap<>();
        letter.put("type", "deployment:started");
        letter.put("event_id", longId);
        letter.put("source_stream", STREAM);
        letter.put("source_entry_id", "1-1");
        letter.put("group", GROUP);
        letter.put("worker", "w".repeat(100));
        letter.put("attempts", "many");
        letter.put("exception_class", "java.net.ConnectException");
        letter.put("exception_message", "x".repeat(5000));
        letter.put("dead_lettered_at", "yesterday");
        letter.put("payload", started("overlong").toBuilder().setEventId(longId).build().toByteArray());
        String id = app.camel().createProducerTemplate().send("redis-streams:" + app.streams().dlq(), e -> e.getIn().setBody(letter))
                .getMessage().getHeader(RedisStreamsConstants.ENTRY_ID, String.class);

        awaitTrue("recorded", () -> store.find(id).isPresent());
        DeadLetter d = store.find(id).orElseThrow();
        assertEquals(null, d.eventId(), "an event id longer than its column is left to the payload");
        assertEquals("deployment:started", d.eventType());
        assertEquals(64, d.worker().length());
        assertEquals(4000, d.exceptionMessage().length());
        assertEquals(1, d.attempts());
        assertNotNull(d.deadLetteredAt());
        app.awaitAcked(app.streams().dlq(), "printery-dlq");
    }

    @Test
    @Order(8)
    void everyPathToTheDlqKeepsTheSourceEntrysPayloadAndFieldsAndReplayPutsThemBack() throws Exception {
        byte[] undecodable = new byte[64];
        new Random(11).nextBytes(undecodable);
        WORKER.invalid.add("path-invalid");
        WORKER.failing.add("path-exhausted");
        WORKER.failing.add("path-publish");
        Map<String, String> sources = new LinkedHashMap<>();
        sources.put("decode failure", addRaw(Map.of("type", b("deployment:started"), "event_id", b("e-undecodable"),
                "deployment_id", b("path-decode"), "correlation_id", b("c-path-decode"), "payload", undecodable)));
        sources.put("invalid in the worker bean", add(started("path-invalid")));
        sources.put("retries exhausted", add(started("path-exhausted")));
        byte[] deployment = app.streams().deployment().getBytes(StandardCharsets.UTF_8);
        app.redis().set(deployment, "not a stream".getBytes(StandardCharsets.UTF_8));
        String publishing = STREAM + ":publishing";
        try {
            WORKER.failing.remove("path-publish");
            sources.put("publish failure", app.add(publishing, started("path-publish")));
            for (var source : sources.entrySet()) {
                awaitDeadLetter(source.getKey().equals("publish failure") ? publishing : STREAM, source.getValue());
            }
        } finally {
            app.redis().del(deployment);
        }

        DlqReplayer replayer = app.bean("dlqReplayer", DlqReplayer.class);
        for (var source : sources.entrySet()) {
            String path = source.getKey();
            String sourceStream = path.equals("publish failure") ? publishing : STREAM;
            Map<String, byte[]> original = entry(sourceStream, source.getValue());
            DeadLetter d = store.find(awaitDeadLetter(sourceStream, source.getValue()).id()).orElseThrow();
            assertTrue(Arrays.equals(original.get("payload"), d.payload()), path + ": stored payload is the source's");
            assertEquals(original.get("payload").length, d.payloadSize(), path);
            Map<String, byte[]> dlqEntry = entry(app.streams().dlq(), d.id());
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
        Map<String, byte[]> fields = app.entry(stream, id);
        assertFalse(fields.isEmpty(), () -> "entry " + id + " on " + stream);
        return fields;
    }

    /** XADDs raw fields to the worker's source stream (the way a foreign or broken producer would). */
    private static String addRaw(Map<String, byte[]> fields) {
        Map<byte[], byte[]> entry = new LinkedHashMap<>();
        fields.forEach((k, v) -> entry.put(b(k), v));
        return app.add(STREAM, entry);
    }

    /** XADDs an event in the standard layout to the worker's source stream. */
    private static String add(DeploymentEvent event) {
        return app.add(STREAM, event);
    }

    private static boolean of(DeadLetter letter, String sourceStream, String sourceEntryId) {
        return sourceStream.equals(letter.sourceStream()) && sourceEntryId.equals(letter.sourceEntryId());
    }

    private static DeadLetter awaitDeadLetter(String sourceStream, String sourceEntryId) {
        awaitTrue("dead letter of " + sourceEntryId + " on " + sourceStream, () -> store.list(null, null, 10_000).stream()
                .anyMatch(x -> of(x, sourceStream, sourceEntryId)));
        return store.list(null, null, 10_000).stream().filter(x -> of(x, sourceStream, sourceEntryId)).findFirst()
                .orElseThrow();
    }

    private static void awaitTrue(String what, Callable<Boolean> condition) {
        await(what).atMost(WAIT).until(condition);
    }

    static DeploymentEvent started(String deploymentId) {
        return DeploymentEvent.newBuilder().setEventId(UUID.randomUUID().toString()).setType("deployment:started")
                .setDeploymentId(deploymentId).setCorrelationId("c-" + deploymentId).setTimestamp(System.currentTimeMillis())
                .setDeploymentStarted(DeploymentStartedEvent.newBuilder().setVersion("1.2.3")
                        .setEnvironment("staging").addServices("api"))
                .build();
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(app.url(path))).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(app.url(path)))
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
