package routes.workers.notify;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import routes.dlq.DeadLetter;
import routes.events.proto.DeploymentFailedEvent;
import routes.events.proto.DeploymentStageCompletedEvent;
import routes.events.proto.DeploymentStartedEvent;
import routes.events.proto.DeploymentStatus;
import routes.support.TestApp;

/** Slack with a bot token: chat.postMessage at a local Web API, one thread per deployment. */
class NotifierSlackThreadTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "xoxb-test-0000";
    private static final String API = "/api/chat.postMessage";

    private static WireMockServer slack;
    private static TestApp app;

    @BeforeAll
    static void start() throws Exception {
        slack = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        slack.start();
        slack.stubFor(post(urlEqualTo(API)).withHeader("Authorization", equalTo("Bearer " + TOKEN))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                        .withBody("{\"ok\":true,\"channel\":\"C0DEPLOY\",\"ts\":\"1700000000.000100\"}")));
        slack.stubFor(post(urlEqualTo(API)).withRequestBody(containing("refused-channel")).atPriority(1)
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                        .withBody("{\"ok\":false,\"error\":\"channel_not_found\"}")));
        // the notifier alone: the other workers' results on the test's events would be notified too
        app = TestApp.builder().without("validator", "dependency-checker", "health-monitor").shortRetries()
                .property("printery.dlq.alert-window", "1s").property("printery.notify.slack.token", TOKEN)
                .property("printery.notify.slack.server-url", "http://127.0.0.1:" + slack.port()).start();
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
        slack.stop();
    }

    @Test
    void oneDeploymentReadsAsOneThreadAndFailuresAlsoGoToCritical() throws Exception {
        String deployment = "dep-" + UUID.randomUUID();
        app.awaitProcessed(app.streams().deployment(), "printery-notifier", app.publisher().publishDeploymentStarted(deployment, null,
                DeploymentStartedEvent.newBuilder().setVersion("2.0.0").setEnvironment("staging").build()));
        List<JsonNode> first = awaitPosts(deployment, 1);
        assertEquals("#materi-deployments", first.get(0).path("channel").asText());
        assertFalse(first.get(0).has("thread_ts"), "the first message starts the thread");

        app.publisher().publishStageCompleted(deployment, null, DeploymentStageCompletedEvent.newBuilder()
                .setStage("railway").setStatus(DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS).setDurationMs(42_000).build());
        app.publisher().publishDeploymentFailed(deployment, null, DeploymentFailedEvent.newBuilder()
                .setReason("health check failed").setFailedStage("railway").setVersion("2.0.0").build());
        List<JsonNode> posts = awaitPosts(deployment, 4);

        assertEquals(4, posts.size(), "one message each, the failure twice: " + posts);
        long inThread = posts.stream().filter(p -> p.path("channel").asText().equals("#materi-deployments")
                && p.path("thread_ts").asText().equals("1700000000.000100")).count();
        assertEquals(2, inThread, "stage completed and the failure answer in the thread: " + posts);
        List<JsonNode> critical = posts.stream().filter(p -> p.path("channel").asText().equals("#materi-critical")).toList();
        assertEquals(1, critical.size());
        assertFalse(critical.get(0).has("thread_ts"), "#materi-critical gets the failure as its own message");
        assertTrue(critical.get(0).path("text").asText().contains("Deployment failed"));
    }

    @Test
    void aRefusalFromSlackIsRetriedThenDeadLetteredAndOpsAreAlertedInCritical() {
        String deployment = "refused-channel-" + UUID.randomUUID();
        app.publisher().publishDeploymentStarted(deployment, null, DeploymentStartedEvent.newBuilder().setVersion("2.0.0").build());

        DeadLetter dead = app.awaitDeadLetter("notification-failures", deployment);
        assertEquals(NotifierSendException.class.getName(), dead.exceptionClass());
        assertTrue(dead.exceptionMessage().contains("channel_not_found"), dead.exceptionMessage());
        assertEquals(4, dead.attempts(), "first attempt and 3 redeliveries");
        assertEquals(4, slack.findAll(postRequestedFor(urlEqualTo(API)).withRequestBody(containing(deployment))).size());

        // the dead letter's ops alert names it (not the deployment, so it is not one of the thread's messages)
        List<JsonNode> alerts = awaitPosts(dead.id(), 1);
        assertEquals(1, alerts.size(), alerts.toString());
        assertEquals("#materi-critical", alerts.get(0).path("channel").asText());
        assertFalse(alerts.get(0).has("thread_ts"), "an ops alert belongs to no deployment's thread");
        assertTrue(alerts.get(0).path("text").asText().contains("notification-failures"), alerts.toString());
    }

    private static List<JsonNode> awaitPosts(String about, int count) {
        await(count + " chat.postMessage about " + about).atMost(Duration.ofSeconds(20)).until(() -> posts(about).size() >= count);
        return posts(about);
    }

    private static List<JsonNode> posts(String about) {
        return slack.findAll(postRequestedFor(urlEqualTo(API)).withRequestBody(containing(about))).stream()
                .map(r -> {
                    try {
                        return JSON.readTree(r.getBodyAsString());
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                }).toList();
    }
}
