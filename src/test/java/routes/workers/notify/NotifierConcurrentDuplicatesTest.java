package routes.workers.notify;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import routes.events.EventTypes;
import routes.events.proto.DeploymentEvent;
import routes.events.proto.ValidationCheckResult;
import routes.events.proto.ValidationCompletedEvent;
import routes.events.proto.ValidationResult;
import routes.support.TestApp;

/**
 * A result event republished under its id (the validator redoing its work after a crash) while the first copy is
 * still being notified: two stream entries of one event at two consumers at once. The Slack webhook is slow and the
 * second entry is published once the first one's post has reached it, so another consumer takes the second entry
 * while the first one's post is in flight.
 */
class NotifierConcurrentDuplicatesTest {

    private static final int SLACK_DELAY_MS = 1500;

    private static WireMockServer http;
    private static TestApp app;

    @BeforeAll
    static void start() throws Exception {
        http = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        http.start();
        String base = "http://127.0.0.1:" + http.port();
        // the second entry waits (busy, retried) while the first one's post is in flight: more short retries than
        // the slow post lasts, so waiting never ends in a dead letter
        // the notifier alone: the other workers' results on the test's events would be notified too
        app = TestApp.builder().without("validator", "dependency-checker", "health-monitor").shortRetries()
                .property("printery.retry.maximum-redeliveries", "20").property("printery.dlq.alert-window", "1s")
                .property("printery.notify.slack.webhook-url", base + "/hooks/deployments")
                .property("printery.notify.slack.critical-webhook-url", base + "/hooks/critical").start();
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
        http.stop();
    }

    @BeforeEach
    void stubs() {
        http.resetAll();
        http.stubFor(post(urlEqualTo("/hooks/critical"))
                .willReturn(aResponse().withStatus(200).withBody("ok").withFixedDelay(SLACK_DELAY_MS)));
    }

    @Test
    void twoEntriesOfOneEventAtOnceArePostedOnce() {
        String deployment = "dep-" + UUID.randomUUID();
        DeploymentEvent event = validationFailed(deployment);

        List<String> entries = publishTwiceWhileTheFirstPostIsInFlight(event, deployment);
        entries.forEach(entry -> app.awaitProcessed(app.streams().validation(), "printery-notifier", entry));

        assertEquals(1, posts(deployment).size(), "one post for both entries");
        assertEquals(0, deadLetterEntries(deployment), "the waiting entry was skipped, not dead-lettered");
    }

    @Test
    void whenTheFirstEntrysPostFailsTheEventIsStillPostedOnce() {
        String deployment = "dep-" + UUID.randomUUID();
        http.stubFor(post(urlEqualTo("/hooks/critical")).withRequestBody(containing(deployment)).atPriority(1)
                .inScenario(deployment).whenScenarioStateIs(Scenario.STARTED).willSetStateTo("up")
                .willReturn(aResponse().withStatus(503).withFixedDelay(SLACK_DELAY_MS)));
        DeploymentEvent event = validationFailed(deployment);

        List<String> entries = publishTwiceWhileTheFirstPostIsInFlight(event, deployment);
        entries.forEach(entry -> app.awaitProcessed(app.streams().validation(), "printery-notifier", entry));

        List<ServeEvent> answered = http.getAllServeEvents().stream()
                .filter(served -> served.getRequest().getBodyAsString().contains(deployment)).toList();
        assertEquals(2, answered.size(), "the refused post, then one accepted post: " + answered);
        assertEquals(1, answered.stream().filter(served -> served.getResponse().getStatus() == 200).count(),
                "the failed claim was released and sent again by one entry, not skipped and not sent twice");
        assertEquals(0, deadLetterEntries(deployment));
    }

    private static List<String> publishTwiceWhileTheFirstPostIsInFlight(DeploymentEvent event, String deployment) {
        String first = app.publisher().publish(event);
        await("the first entry's post at Slack").atMost(Duration.ofSeconds(20)).until(() -> !posts(deployment).isEmpty());
        return List.of(first, app.publisher().publish(event));
    }

    private static DeploymentEvent validationFailed(String deployment) {
        return DeploymentEvent.newBuilder().setType(EventTypes.VALIDATION_COMPLETED)
                .setEventId(UUID.randomUUID().toString()).setDeploymentId(deployment)
                .setValidationCompleted(ValidationCompletedEvent.newBuilder()
                        .setResult(ValidationResult.VALIDATION_RESULT_FAILED).setVersion("1.4.2")
                        .setEnvironment("production")
                        .addChecks(ValidationCheckResult.newBuilder().setName("images_exist").setService("api")
                                .setResult(ValidationResult.VALIDATION_RESULT_FAILED).setMessage("manifest unknown")))
                .build();
    }

    /** Entries on the DLQ stream about this deployment: written before the failed entry is acked. */
    private static long deadLetterEntries(String deployment) {
        return app.fields(app.streams().dlq()).stream().filter(entry -> deployment.equals(entry.get("deployment_id"))).count();
    }

    private static List<LoggedRequest> posts(String deployment) {
        return http.findAll(postRequestedFor(urlEqualTo("/hooks/critical")).withRequestBody(containing(deployment)));
    }
}
