package routes.workers;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import jakarta.mail.internet.MimeMessage;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import routes.events.EntryLayout;
import routes.events.EventFormat;
import routes.events.EventTypes;
import routes.events.proto.DependencyCheckResult;
import routes.events.proto.DeploymentCompletedEvent;
import routes.events.proto.DeploymentEvent;
import routes.events.proto.DeploymentStageCompletedEvent;
import routes.events.proto.DeploymentStartedEvent;
import routes.events.proto.DeploymentStatus;
import routes.events.proto.HealthStatus;
import routes.events.proto.ValidationResult;
import routes.support.AppProcess;
import routes.support.Ports;
import routes.support.RedisServer;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Issue 3's "done when", on the packaged application: `printery run` with a manifest pointing at local servers;
 * deployment:started gets a validation result, a railway stage completed gets dependency and health results, and
 * Slack (a local webhook) and email (a local SMTP server) receive the routed messages.
 */
class WorkersEndToEndIT {

    private static final String DEPLOYMENT = "e2e-" + System.nanoTime();

    private static WireMockServer http;
    private static GreenMail smtp;
    private static FakeService api;
    private static FakeService shield;
    private static AppProcess app;
    private static RedisClient redis;
    private static RedisCommands<byte[], byte[]> commands;

    @BeforeAll
    static void start() throws Exception {
        http = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        http.start();
        http.stubFor(head(urlPathMatching("/v2/materi/(api|shield)/manifests/v1.0.0"))
                .willReturn(aResponse().withStatus(200)
                        .withHeader("Content-Type", "application/vnd.oci.image.manifest.v1+json")
                        .withHeader("Docker-Content-Digest", "sha256:" + "0".repeat(64))));
        http.stubFor(get(urlEqualTo("/me")).withHeader("Authorization", containing("Bearer e2e-token")).willReturn(ok("{}")));
        http.stubFor(get(urlEqualTo("/discovery")).willReturn(ok("{}")));
        http.stubFor(any(urlPathMatching("/slack/.*")).willReturn(ok("ok")));
        smtp = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
        api = new FakeService().traffic(100, 0);
        shield = new FakeService().traffic(50, 0);

        Path dir = Files.createTempDirectory("printery-e2e-");
        Path env = dir.resolve("staging.env");
        Files.writeString(env, "DATABASE_URL=x\nREDIS_URL=y\n");
        String base = "http://127.0.0.1:" + http.port();
        String redisUrl = RedisServer.shared().url();
        Path manifest = dir.resolve("manifest.yaml");
        Files.writeString(manifest, """
                stages:
                  - name: railway
                    services: [api, shield]
                    checkDependencies: true
                services:
                  api:
                    image: materi/api
                    registry: local
                    health: %s
                    ready: %s
                    metrics: %s
                    requiredEnv: [DATABASE_URL, REDIS_URL]
                    dependsOn: [postgres, redis, shield]
                  shield:
                    image: materi/shield
                    registry: local
                    health: %s
                    ready: %s
                    metrics: %s
                    requiredEnv: [DATABASE_URL]
                    dependsOn: [postgres, redis]
                infrastructure:
                  postgres: {type: postgres, url: "jdbc:postgresql://127.0.0.1:5432/postgres", username: postgres}
                  redis: {type: redis, url: "%s"}
                registries:
                  local: {url: "%s"}
                credentials:
                  railway: {url: "%s/me", token: "${E2E_TOKEN}"}
                environments:
                  staging: {variables: "file:%s"}
                discovery:
                  url: %s/discovery
                """.formatted(api.url("/health"), api.url("/ready"), api.url("/metrics"), shield.url("/health"),
                shield.url("/ready"), shield.url("/metrics"), redisUrl, base, base, env, base));

        String prefix = "e2e:" + System.nanoTime();
        app = new AppProcess(Map.ofEntries(
                Map.entry("PRINTERY_REDIS_URL", redisUrl),
                Map.entry("PRINTERY_HTTP_PORT", String.valueOf(Ports.free())),
                Map.entry("PRINTERY_MANIFEST", manifest.toString()),
                Map.entry("PRINTERY_DB_URL", "jdbc:h2:file:" + dir.resolve("db") + ";AUTO_SERVER=TRUE"),
                Map.entry("PRINTERY_NOTIFY_OUTBOX", dir.resolve("outbox.log").toString()),
                Map.entry("PRINTERY_SLACK_WEBHOOK_URL", base + "/slack/deployments"),
                Map.entry("PRINTERY_SLACK_CRITICAL_WEBHOOK_URL", base + "/slack/critical"),
                Map.entry("PRINTERY_SMTP_HOST", "127.0.0.1"),
                Map.entry("PRINTERY_SMTP_PORT", String.valueOf(smtp.getSmtp().getPort())),
                Map.entry("PRINTERY_TEAM_EMAIL", "team@materi.test"),
                Map.entry("PRINTERY_HEALTH_WINDOW", "1s"),
                Map.entry("PRINTERY_HEALTH_SAMPLES", "2"),
                Map.entry("E2E_TOKEN", "e2e-token")),
                List.of("-Dprintery.streams.deployment=" + prefix + ":deployment",
                        "-Dprintery.streams.validation=" + prefix + ":validation",
                        "-Dprintery.streams.dependency=" + prefix + ":dependency",
                        "-Dprintery.streams.health=" + prefix + ":health",
                        "-Dprintery.streams.dlq=" + prefix + ":dlq"));
        streams = prefix;
        app.start();
        redis = RedisClient.create(redisUrl);
        commands = redis.connect(ByteArrayCodec.INSTANCE).sync();
    }

    private static String streams;

    @AfterAll
    static void stop() throws Exception {
        if (app != null) {
            app.stop();
        }
        if (redis != null) {
            redis.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        }
        for (AutoCloseable c : new AutoCloseable[] {api, shield}) {
            if (c != null) {
                c.close();
            }
        }
        if (smtp != null) {
            smtp.stop();
        }
        if (http != null) {
            http.stop();
        }
    }

    @Test
    void aDeploymentIsValidatedCheckedMonitoredAndAnnounced() throws Exception {
        publish(DeploymentEvent.newBuilder().setType(EventTypes.DEPLOYMENT_STARTED)
                .setDeploymentStarted(DeploymentStartedEvent.newBuilder().setVersion("v1.0.0").setEnvironment("staging")
                        .setStrategy("rolling").addServices("api").addServices("shield")));
        DeploymentEvent validation = await(streams + ":validation", EventTypes.VALIDATION_COMPLETED);
        assertEquals(ValidationResult.VALIDATION_RESULT_PASSED, validation.getValidationCompleted().getResult(),
                validation.getValidationCompleted().toString());

        publish(DeploymentEvent.newBuilder().setType(EventTypes.stageCompleted("railway"))
                .setStageCompleted(DeploymentStageCompletedEvent.newBuilder().setStage("railway")
                        .setStatus(DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS).setDurationMs(61_000).setVersion("v1.0.0")
                        .setEnvironment("staging").addServices("api").addServices("shield")));
        DeploymentEvent dependencies = await(streams + ":dependency", EventTypes.DEPENDENCY_CHECK_COMPLETED);
        assertEquals(DependencyCheckResult.DEPENDENCY_CHECK_RESULT_ALL_HEALTHY,
                dependencies.getDependencyCheckCompleted().getResult(), dependencies.getDependencyCheckCompleted().toString());
        assertEquals(5, dependencies.getDependencyCheckCompleted().getDependenciesCount());
        DeploymentEvent health = await(streams + ":health", EventTypes.HEALTH_CHECK_COMPLETED);
        assertEquals(HealthStatus.HEALTH_STATUS_HEALTHY, health.getHealthCheckCompleted().getOverallStatus(),
                health.getHealthCheckCompleted().toString());

        publish(DeploymentEvent.newBuilder().setType(EventTypes.DEPLOYMENT_COMPLETED)
                .setDeploymentCompleted(DeploymentCompletedEvent.newBuilder().setStatus(DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS)
                        .setTotalDurationMs(125_000).setVersion("v1.0.0").setEnvironment("staging")));

        // started, railway stage completed, completed: three posts to #materi-deployments, none to #materi-critical
        awaitTrue("three Slack posts", () -> http.findAll(postRequestedFor(urlEqualTo("/slack/deployments"))).size() >= 3);
        List<String> posts = http.findAll(postRequestedFor(urlEqualTo("/slack/deployments"))).stream()
                .map(r -> r.getBodyAsString()).toList();
        assertEquals(3, posts.size(), posts.toString());
        assertTrue(posts.stream().allMatch(p -> p.contains(DEPLOYMENT)), posts.toString());
        assertEquals(0, http.findAll(postRequestedFor(urlEqualTo("/slack/critical"))).size());
        awaitTrue("the team's email", () -> smtp.getReceivedMessages().length >= 1);
        MimeMessage mail = smtp.getReceivedMessages()[0];
        assertEquals("team@materi.test", mail.getAllRecipients()[0].toString());
        assertTrue(mail.getSubject().contains(DEPLOYMENT) || String.valueOf(mail.getContent()).contains(DEPLOYMENT),
                mail.getSubject());
    }

    private static void publish(DeploymentEvent.Builder event) {
        DeploymentEvent built = event.setEventId(java.util.UUID.randomUUID().toString()).setDeploymentId(DEPLOYMENT)
                .setCorrelationId("corr-" + DEPLOYMENT).setTimestamp(System.currentTimeMillis())
                .setPriority(EventTypes.priorityOf(event.getType())).build();
        commands.xadd((streams + ":deployment").getBytes(StandardCharsets.UTF_8), EntryLayout.entryOf(built));
    }

    private static DeploymentEvent await(String stream, String type) {
        AtomicReference<DeploymentEvent> found = new AtomicReference<>();
        awaitTrue(type + " on " + stream, () -> {
            read(stream).stream().filter(e -> e.getType().equals(type) && e.getDeploymentId().equals(DEPLOYMENT))
                    .findFirst().ifPresent(found::set);
            return found.get() != null;
        });
        return found.get();
    }

    private static List<DeploymentEvent> read(String stream) {
        List<DeploymentEvent> events = new ArrayList<>();
        for (StreamMessage<byte[], byte[]> m : commands.xrange(stream.getBytes(StandardCharsets.UTF_8), Range.create("-", "+"))) {
            m.getBody().forEach((k, v) -> {
                if (new String(k, StandardCharsets.UTF_8).equals("payload")) {
                    events.add(EventFormat.decode(v));
                }
            });
        }
        return events;
    }

    private static void awaitTrue(String what, java.util.function.BooleanSupplier condition) {
        try {
            Awaitility.await(what).atMost(Duration.ofSeconds(60)).until(condition::getAsBoolean);
        } catch (ConditionTimeoutException e) {
            // the app's log says why, read once the wait is over
            fail("timed out waiting for " + what + "; app log:\n" + tail(), e);
        }
    }

    private static String tail() {
        try {
            String log = app.log();
            return log.substring(Math.max(0, log.length() - 6000));
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }
}
