package routes.deploy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Layout;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import routes.support.TestApp;
import routes.workers.FakeService;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The deployment API over real HTTP on the management port of Printery as `printery run` starts it (routes.yaml,
 * the workers, the orchestrator) on real Redis and H2, with the simulated deployer: a deployment submitted over HTTP
 * runs through its stage and health gate, bad requests get a 400 naming the problem, a locked environment a 409,
 * cancel ends one CANCELLED, and a cross-origin or non-JSON POST fires nothing. Every log line of the workers and the
 * orchestrator for a deployment carries its ids in MDC.
 */
class DeployApiTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    private static FakeService web;
    private static TestApp app;
    private static MdcCapture logs;

    @BeforeAll
    static void start() throws Exception {
        web = new FakeService().traffic(100, 0);
        String manifest = """
                stages:
                  - name: frontend
                    services: [web]
                    deployer: simulated
                    settings: {duration: 0ms}
                  - name: backend
                    services: [slow]
                    deployer: simulated
                    settings: {duration: 60s}
                services:
                  web: {image: materi/web, %1$s}
                  slow: {image: materi/slow, %1$s}
                environments:
                  staging-ok: {variables: env}
                  staging-locked: {variables: env}
                  staging-cancel: {variables: env}
                  staging-origin: {variables: env}
                """.formatted(web.targets());
        logs = new MdcCapture();
        app = TestApp.builder().manifest(manifest).quickDeployments().start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (app != null) {
            app.close();
        }
        if (logs != null) {
            logs.close();
        }
        if (web != null) {
            web.close();
        }
    }

    @Test
    void aDeploymentSubmittedOverHttpRunsThroughItsStageAndGateAndShowsItsProgress() throws Exception {
        HttpResponse<String> submitted = post("/api/deployments", "application/json",
                "{\"version\": \"v1.0.0\", \"environment\": \"staging-ok\", \"services\": [\"web\"]}");
        assertEquals(202, submitted.statusCode(), submitted.body());
        JsonNode answer = JSON.readTree(submitted.body());
        String id = answer.get("id").asText();
        assertEquals("/api/deployments/" + id, answer.get("url").asText());
        assertEquals("/api/deployments/" + id, submitted.headers().firstValue("Location").orElse(""));
        assertEquals("application/json", submitted.headers().firstValue("Content-Type").orElse(""));

        JsonNode run = await(id, "COMPLETED");
        assertEquals(id, run.get("correlation_id").asText());
        assertEquals("v1.0.0", run.get("version").asText());
        assertEquals("staging-ok", run.get("environment").asText());
        assertEquals("rolling", run.get("strategy").asText(), "the default strategy");
        assertEquals(List.of("web"), JSON.convertValue(run.get("services"), List.class));
        assertEquals("api", run.get("actor").asText(), "without credentials and without an actor field");
        assertFalse(run.get("cancel_requested").asBoolean());
        assertTrue(run.get("error").isNull());
        assertNotNull(java.time.Instant.parse(run.get("started_at").asText()));
        assertNotNull(java.time.Instant.parse(run.get("finished_at").asText()));
        JsonNode stage = run.get("stages").get(0);
        assertEquals("frontend", stage.get("name").asText());
        assertEquals("SUCCEEDED", stage.get("states").get("web").asText());
        assertEquals("HEALTH_STATUS_HEALTHY", stage.get("health").asText());
        assertNotNull(java.time.Instant.parse(stage.get("finished_at").asText()));
        assertEquals(1, run.get("stages").size(), "only the stage of the services asked for");

        // Beside the run, the record the shield route folded from the deployment's events.
        JsonNode[] shown = new JsonNode[1];
        await(id + " recorded", () -> {
            try {
                shown[0] = JSON.readTree(get("/api/deployments/" + id).body());
                return "SUCCESS".equals(shown[0].path("status").asText()) && java.util.stream.StreamSupport
                        .stream(shown[0].path("notifications").spliterator(), false)
                        .anyMatch(n -> n.path("event_type").asText().equals("deployment:completed"));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, () -> String.valueOf(shown[0]));
        assertEquals("api", shown[0].get("actor").asText());
        assertEquals("SUCCESS", shown[0].get("stages").get(0).get("status").asText());
        assertEquals("HEALTHY", shown[0].get("stages").get(0).get("health").get("status").asText());
        assertEquals("deployment:completed", shown[0].get("timeline").get(shown[0].get("timeline").size() - 1).get("type").asText());
        // The notifier's deliveries (to the outbox here: no Slack or SMTP configured), each with its outcome.
        JsonNode delivered = shown[0].get("notifications").get(0);
        assertEquals("SENT", delivered.get("outcome").asText(), delivered::toString);
        assertEquals("outbox", delivered.get("sink").asText(), delivered::toString);
        assertEquals(1, delivered.get("attempt").asInt(), delivered::toString);
        JsonNode listed = JSON.readTree(get("/api/deployments?environment=staging-ok").body()).get("items");
        assertTrue(java.util.stream.StreamSupport.stream(listed.spliterator(), false)
                .anyMatch(item -> item.get("id").asText().equals(id)), listed::toString);
        // since: an age or an instant; the deployment started a moment ago.
        for (String since : List.of("1h", "7d", java.time.Instant.now().minusSeconds(3600).toString())) {
            JsonNode recent = JSON.readTree(get("/api/deployments?environment=staging-ok&since=" + since).body()).get("items");
            assertTrue(java.util.stream.StreamSupport.stream(recent.spliterator(), false)
                    .anyMatch(item -> item.get("id").asText().equals(id)), () -> since + ": " + recent);
        }
        JsonNode future = JSON.readTree(get("/api/deployments?environment=staging-ok&since="
                + java.time.Instant.now().plusSeconds(3600)).body()).get("items");
        assertEquals(0, future.size(), future::toString);

        // Every line the workers and the orchestrator logged for it carries its ids, also the notifier's outbox line
        // logged inside its route's fan-out; the console pattern shows them.
        for (String logger : List.of("routes.app.EventLog", "routes.deploy.Orchestrator", "routes.deploy.DeployApi",
                "routes.workers.notify.NotifierOutbox")) {
            List<LogEvent> lines = logs.about(id, logger);
            assertFalse(lines.isEmpty(), () -> logger + " logged nothing about " + id + ": " + logs.messages());
            for (LogEvent line : lines) {
                assertEquals(id, line.getContextData().getValue("correlationId"), () -> logger + ": " + line.getMessage());
                assertEquals(id, line.getContextData().getValue("deploymentId"), () -> logger + ": " + line.getMessage());
            }
        }
        // One line per event each worker handled, with its outcome.
        List<String> handled = logs.about(id, "routes.app.EventLog").stream().map(e -> e.getMessage().getFormattedMessage()).toList();
        for (String line : List.of("validator: deployment:started of deployment " + id + ": validation:completed WARNINGS in ",
                "health-monitor: deployment:stage:frontend:completed of deployment " + id + ": health:check:completed HEALTHY in ",
                "notifier: deployment:completed of deployment " + id + ": notified slack:#materi-deployments, email:",
                "orchestrator: health:check:completed of deployment " + id + ": health:check:completed HEALTHY in ")) {
            assertEquals(1, handled.stream().filter(l -> l.startsWith(line)).count(), () -> line + " once in " + handled);
        }
        LogEvent validated = logs.about(id, "routes.app.EventLog").get(0);
        assertTrue(logs.console().toSerializable(validated).toString().contains("[" + id + "]"),
                () -> "log4j2.properties' pattern: " + logs.console().toSerializable(validated));
        assertTrue(logs.messages().contains("Deployment " + id + " of v1.0.0 to staging-ok submitted by api over HTTP"),
                () -> "" + logs.messages());
    }

    @Test
    void badRequestsAreRefusedWithOneLineNamingTheProblem() throws Exception {
        Map<String, String> expected = new java.util.LinkedHashMap<>();
        expected.put("{\"environment\": \"staging-ok\"}", "version is required");
        expected.put("{\"version\": \"v1\", \"environment\": \"  \"}", "environment must not be blank");
        expected.put("{\"version\": \"v1\", \"environment\": \"staging-ok\", \"services\": [\"nope\"]}",
                "service 'nope' is not in manifest");
        expected.put("{\"version\": \"v1\", \"environment\": \"staging-ok\", \"services\": \"web\"}",
                "services must be an array of service names");
        expected.put("{\"version\": \"v1\", \"environment\": \"staging-ok\", \"services\": []}",
                "services is empty: leave it out to deploy every service");
        expected.put("{\"version\": \"v1\", \"environment\": \"staging-ok\", \"service\": [\"web\"]}",
                "unknown field 'service'");
        expected.put("{\"version\": 2, \"environment\": \"staging-ok\"}", "version must be a string");
        expected.put("{\"version\": \"v1\", \"environment\": \"staging-ok\", \"actor\": \"ops\\nINFO forged\"}",
                "actor must not contain control characters");
        expected.put("{\"version\": \"v1\", \"environment\": ", "the body is not JSON");
        expected.put("[\"v1\"]", "the body must be a JSON object");
        expected.put("", "the body is empty");
        for (var request : expected.entrySet()) {
            HttpResponse<String> refused = post("/api/deployments", "application/json", request.getKey());
            assertEquals(400, refused.statusCode(), request.getKey() + " -> " + refused.body());
            String error = JSON.readTree(refused.body()).get("error").asText();
            assertTrue(error.contains(request.getValue()), () -> request.getKey() + " -> " + error);
            assertFalse(error.contains("\n"), error);
        }
        Map<String, String> badLists = new java.util.LinkedHashMap<>();
        badLists.put("since=yesterday", "since 'yesterday' is neither an age");
        badLists.put("since=999999999999999d", "since '999999999999999d' is too long an age");
        badLists.put("since=999999999999d", "since '999999999999d' reaches back before the earliest time");
        badLists.put("since=2026-13-01", "since '2026-13-01'");
        badLists.put("status=DONE", "status 'DONE' is not one of");
        badLists.put("limit=0", "limit must be a whole number from 1 to 500");
        badLists.put("cursor=nope", "cursor 'nope' is not one a page of this list gave");
        for (var query : badLists.entrySet()) {
            HttpResponse<String> refused = get("/api/deployments?" + query.getKey());
            assertEquals(400, refused.statusCode(), query.getKey() + " -> " + refused.body());
            String error = JSON.readTree(refused.body()).get("error").asText();
            assertTrue(error.contains(query.getValue()), () -> query.getKey() + " -> " + error);
            assertFalse(error.contains("\n"), error);
        }
        assertEquals(404, get("/api/deployments/no-such-deployment").statusCode());
        assertEquals("no deployment no-such-deployment",
                JSON.readTree(get("/api/deployments/no-such-deployment").body()).get("error").asText());
        assertEquals(404, post("/api/deployments/no-such-deployment/cancel", null, null).statusCode());
    }

    @Test
    void aSecondDeploymentToALockedEnvironmentIs409NamingTheRunningOneAndCancelEndsItCancelled() throws Exception {
        String running = submit("{\"version\": \"v2\", \"environment\": \"staging-locked\", \"services\": [\"slow\"]}");
        HttpResponse<String> locked = post("/api/deployments", "application/json",
                "{\"version\": \"v3\", \"environment\": \"staging-locked\", \"services\": [\"web\"]}");
        assertEquals(409, locked.statusCode(), locked.body());
        JsonNode refusal = JSON.readTree(locked.body());
        assertEquals("environment staging-locked is locked by running deployment " + running, refusal.get("error").asText());
        assertEquals(running, refusal.get("running_deployment").asText());

        awaitPhase(running, "DEPLOYING");
        HttpResponse<String> cancelled = post("/api/deployments/" + running + "/cancel", "application/json",
                "{\"actor\": \"ops@desk\"}");
        assertEquals(202, cancelled.statusCode(), cancelled.body());
        assertEquals(Map.of("id", running, "cancelled", true), JSON.readValue(cancelled.body(), Map.class));
        JsonNode run = await(running, "CANCELLED");
        assertTrue(run.get("cancel_requested").asBoolean());
        assertTrue(logs.messages().contains("Deployment " + running + " cancel asked by ops@desk over HTTP"),
                () -> "" + logs.messages());

        HttpResponse<String> again = post("/api/deployments/" + running + "/cancel", null, null);
        assertEquals(409, again.statusCode(), again.body());
        assertTrue(JSON.readTree(again.body()).get("error").asText().contains("has ended (CANCELLED)"), again.body());
        // The environment is free again.
        String next = submit("{\"version\": \"v3\", \"environment\": \"staging-locked\", \"services\": [\"web\"], \"actor\": \"ci\"}");
        assertEquals("ci", await(next, "COMPLETED").get("actor").asText());
    }

    @Test
    void aCrossOriginOrNonJsonPostFiresNothing() throws Exception {
        String body = "{\"version\": \"v4\", \"environment\": \"staging-origin\", \"services\": [\"web\"]}";
        HttpResponse<String> foreign = send(HttpRequest.newBuilder(uri("/api/deployments"))
                .header("Content-Type", "application/json").header("Origin", "http://evil.example")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
        assertEquals(403, foreign.statusCode(), foreign.body());
        assertTrue(JSON.readTree(foreign.body()).get("error").asText().startsWith("cross-origin request refused"), foreign.body());
        HttpResponse<String> text = post("/api/deployments", "text/plain", body);
        assertEquals(415, text.statusCode(), text.body());
        assertTrue(JSON.readTree(text.body()).get("error").asText().contains("send application/json"), text.body());
        HttpResponse<String> form = post("/api/deployments", "application/x-www-form-urlencoded", body);
        assertEquals(415, form.statusCode(), form.body());
        assertEquals(415, post("/api/deployments", null, body).statusCode(), "a body without a Content-Type");
        HttpResponse<String> nullOrigin = send(HttpRequest.newBuilder(uri("/api/deployments"))
                .header("Content-Type", "application/json").header("Origin", "null")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
        assertEquals(403, nullOrigin.statusCode(), "a sandboxed page's Origin: null");
        assertTrue(logs.messages().stream().noneMatch(m -> m.contains(" of v4 to staging-origin submitted")),
                () -> "nothing was submitted: " + logs.messages());

        // From the server's own origin (its own pages) it goes through.
        HttpResponse<String> own = send(HttpRequest.newBuilder(uri("/api/deployments"))
                .header("Content-Type", "application/json; charset=utf-8").header("Origin", app.url(""))
                .POST(HttpRequest.BodyPublishers.ofString(body)));
        assertEquals(202, own.statusCode(), own.body());
        String id = JSON.readTree(own.body()).get("id").asText();
        HttpResponse<String> foreignCancel = send(HttpRequest.newBuilder(uri("/api/deployments/" + id + "/cancel"))
                .header("Origin", "https://evil.example").POST(HttpRequest.BodyPublishers.noBody()));
        assertEquals(403, foreignCancel.statusCode(), foreignCancel.body());
        assertEquals(415, post("/api/deployments/" + id + "/cancel", "text/plain", "{}").statusCode());
        await(id, "COMPLETED");
        assertFalse(run(id).get("cancel_requested").asBoolean(),
                "the refused cancels asked nothing");
    }

    private static String submit(String body) throws Exception {
        HttpResponse<String> submitted = post("/api/deployments", "application/json", body);
        assertEquals(202, submitted.statusCode(), submitted.body());
        return JSON.readTree(submitted.body()).get("id").asText();
    }

    private static JsonNode await(String id, String phase) throws Exception {
        awaitPhase(id, phase);
        return run(id);
    }

    /** The orchestrator's run in GET /api/deployments/{id}, beside the record. */
    private static JsonNode run(String id) throws Exception {
        return JSON.readTree(get("/api/deployments/" + id).body()).get("run");
    }

    private static void awaitPhase(String id, String phase) throws Exception {
        String[] last = {""};
        await(id + " " + phase, () -> {
            try {
                HttpResponse<String> shown = get("/api/deployments/" + id);
                last[0] = shown.body();
                return shown.statusCode() == 200 && JSON.readTree(shown.body()).get("run").get("phase").asText().equals(phase);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, () -> last[0]);
    }

    private static void await(String what, BooleanSupplier condition, java.util.function.Supplier<String> state) {
        Awaitility.await(what).atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertTrue(condition.getAsBoolean(), () -> what + ": " + state.get()));
    }

    private static URI uri(String path) {
        return URI.create(app.url(path));
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    private static HttpResponse<String> post(String path, String contentType, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).POST(body == null
                ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        return send(request);
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Every log event of routes.* while open, with its MDC. */
    static final class MdcCapture extends AbstractAppender implements AutoCloseable {

        private final List<LogEvent> events = new CopyOnWriteArrayList<>();

        MdcCapture() {
            super("mdc-capture-" + UUID.randomUUID(), null, null, true, Property.EMPTY_ARRAY);
            start();
            context().getConfiguration().getRootLogger().addAppender(this, null, null);
            context().updateLoggers();
        }

        @Override
        public void append(LogEvent event) {
            if (event.getLoggerName().startsWith("routes.")) {
                events.add(event.toImmutable());
            }
        }

        /** The lines of one logger that name the deployment. */
        List<LogEvent> about(String id, String logger) {
            return events.stream().filter(e -> e.getLoggerName().equals(logger)
                    && e.getMessage().getFormattedMessage().contains(id)).toList();
        }

        List<String> messages() {
            return events.stream().map(e -> e.getMessage().getFormattedMessage()).toList();
        }

        /** The layout of the console appender log4j2.properties configures. */
        Layout<?> console() {
            return context().getConfiguration().getAppender("text").getLayout();
        }

        @Override
        public void close() {
            context().getConfiguration().getRootLogger().removeAppender(getName());
            context().updateLoggers();
            stop();
        }

        private static LoggerContext context() {
            return (LoggerContext) LogManager.getContext(false);
        }
    }
}
