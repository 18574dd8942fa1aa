package routes.app;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import routes.dlq.DlqStore;
import routes.events.proto.DeploymentCompletedEvent;
import routes.events.proto.DeploymentEvent;
import routes.events.proto.DeploymentStartedEvent;
import routes.events.proto.DeploymentStatus;
import routes.record.DeploymentRecords;
import routes.support.TestApp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The record's copy in Shield, on the packaged routes and real Redis against an HTTP server on 127.0.0.1: every change
 * PUTs the whole record with the Bearer token; a Shield that refuses gets the retries, then the event is dead-lettered
 * as shield-failures while the record itself is kept.
 */
class ShieldSinkTest {

    private static final String TOKEN = "shield-token-" + UUID.randomUUID();
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One PUT Shield received. */
    private record Put(String path, String authorization, JsonNode body) {
    }

    private static HttpServer shield;
    private static final List<Put> puts = new CopyOnWriteArrayList<>();
    private static TestApp app;

    @BeforeAll
    static void start() throws Exception {
        shield = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        shield.createContext("/api/deployments/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String path = exchange.getRequestURI().getPath();
            puts.add(new Put(path, exchange.getRequestHeaders().getFirst("Authorization"), JSON.readTree(body)));
            exchange.sendResponseHeaders(path.contains("refused") ? 500 : 204, -1);
            exchange.close();
        });
        shield.start();
        app = TestApp.builder().routes("shield", "dlq-*", "publish")
                .property("printery.shield.url", "http://127.0.0.1:" + shield.getAddress().getPort() + "/api/")
                .property("printery.shield.token", TOKEN)
                .property("printery.retry.delay", "50").property("printery.retry.maximum-delay", "100").start();
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
        if (shield != null) {
            shield.stop(0);
        }
    }

    @Test
    void everyChangePutsTheWholeRecordWithTheToken() throws Exception {
        String id = "d-" + UUID.randomUUID();
        publish(started(id));
        publish(completed(id));
        await(() -> puts.stream().filter(p -> p.path().equals("/api/deployments/" + id)).count() >= 2
                && puts.stream().anyMatch(p -> p.path().equals("/api/deployments/" + id)
                && "SUCCESS".equals(p.body().path("status").asText())), "two PUTs, one of the completed record, for " + id);
        List<Put> mine = puts.stream().filter(p -> p.path().equals("/api/deployments/" + id)).toList();
        // One PUT per event recorded, each of the record as it was at the send (two consumers: the first PUT may
        // already hold both events).
        assertTrue(mine.size() >= 2, "one PUT per change: " + mine.size());
        assertTrue(mine.stream().allMatch(p -> p.body().path("id").asText().equals(id)), "whole records");
        assertTrue(mine.stream().allMatch(p -> ("Bearer " + TOKEN).equals(p.authorization())));
        // Two consumers may PUT out of order: the revision tells the newer copy.
        Put newest = mine.stream().max(java.util.Comparator.comparingInt(p -> p.body().path("revision").asInt())).orElseThrow();
        assertEquals(2, newest.body().path("revision").asInt());
        assertEquals("SUCCESS", newest.body().path("status").asText());
        assertEquals("v7.0.0", newest.body().path("version").asText());
        assertEquals(2, newest.body().path("timeline").size());
    }

    @Test
    void aRefusingShieldGetsTheRetriesThenTheEventIsDeadLetteredAndTheRecordKept() throws Exception {
        String id = "refused-" + UUID.randomUUID();
        publish(started(id));
        DlqStore dlq = app.dlq();
        await(() -> dlq.list("shield-failures", null, 100).stream().anyMatch(d -> id.equals(d.deploymentId())),
                "the dead letter of " + id);
        assertEquals(4, puts.stream().filter(p -> p.path().endsWith(id)).count(), "the first attempt and 3 retries");
        var records = app.bean("deploymentRecords", DeploymentRecords.class);
        assertEquals("RUNNING", records.find(id).orElseThrow().get("status"));
        assertFalse(dlq.list("shield-failures", null, 100).stream().anyMatch(d -> d.exceptionMessage().contains(TOKEN)),
                "the token reaches no dead letter");
    }

    @Test
    void aUrlWithoutATokenOrNotHttpStopsTheStart() {
        ShieldConfiguration configuration = new ShieldConfiguration();
        ConfigurationException noToken = assertThrows(ConfigurationException.class, () -> configuration.shieldSink(
                "https://shield.example/api", " ", "1s", "1s", null, JSON));
        assertTrue(noToken.getMessage().startsWith("PRINTERY_SHIELD_URL is set but PRINTERY_SHIELD_TOKEN is not"), noToken.getMessage());
        ConfigurationException notHttp = assertThrows(ConfigurationException.class, () -> configuration.shieldSink(
                "ftp://shield.example", "t", "1s", "1s", null, JSON));
        assertTrue(notHttp.getMessage().startsWith("PRINTERY_SHIELD_URL (printery.shield.url) must be an absolute"), notHttp.getMessage());
        assertFalse(configuration.shieldSink("", "", "1s", "1s", null, JSON).enabled(), "neither set: off");
    }

    private static void publish(DeploymentEvent.Builder event) {
        app.publisher().publish(event);
    }

    private static DeploymentEvent.Builder started(String id) {
        return DeploymentEvent.newBuilder().setType("deployment:started").setDeploymentId(id).setCorrelationId(id)
                .setDeploymentStarted(DeploymentStartedEvent.newBuilder().setVersion("v7.0.0").setEnvironment("staging")
                        .addServices("api"));
    }

    private static DeploymentEvent.Builder completed(String id) {
        return DeploymentEvent.newBuilder().setType("deployment:completed").setDeploymentId(id).setCorrelationId(id)
                .setTimestamp(System.currentTimeMillis() + 1000)
                .setDeploymentCompleted(DeploymentCompletedEvent.newBuilder().setStatus(DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS)
                        .setVersion("v7.0.0").setEnvironment("staging"));
    }

    private static void await(BooleanSupplier condition, String what) {
        Awaitility.await(what).atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertTrue(condition.getAsBoolean(), () -> "no " + what + "; Shield got " + puts));
    }
}
