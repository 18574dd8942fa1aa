package routes.workers.notify;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.Message;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import routes.dlq.DeadLetter;
import routes.dlq.DlqReplayer;
import routes.events.EntryLayout;
import routes.events.EventFormat;
import routes.events.EventTypes;
import routes.events.proto.DependencyCheckCompletedEvent;
import routes.events.proto.DependencyCheckResult;
import routes.events.proto.DependencyStatus;
import routes.events.proto.DeploymentCompletedEvent;
import routes.events.proto.DeploymentEvent;
import routes.events.proto.DeploymentFailedEvent;
import routes.events.proto.DeploymentStartedEvent;
import routes.events.proto.DeploymentStatus;
import routes.events.proto.HealthCheckCompletedEvent;
import routes.events.proto.HealthStatus;
import routes.events.proto.RollbackInitiatedEvent;
import routes.events.proto.ServiceHealthStatus;
import routes.events.proto.ValidationCheckResult;
import routes.events.proto.ValidationCompletedEvent;
import routes.events.proto.ValidationResult;
import routes.support.TestApp;

/** Slack incoming webhooks, SMTP and PagerDuty at local servers: the routing table, idempotency and retries. */
class NotifierWebhookTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ROUTING_KEY = "R0UTINGKEY0000000000000000000000";
    private static final int RESPONSE_TIMEOUT_MS = 2_000;

    private static WireMockServer http;
    private static GreenMail smtp;
    private static TestApp app;

    @BeforeAll
    static void start() throws Exception {
        http = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        http.start();
        smtp = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
        smtp.setUser("printery@materi.dev", "printery", "s3cret");
        String base = "http://127.0.0.1:" + http.port();
        // the notifier alone: the other workers' results on the test's events would be notified too
        app = TestApp.builder().without("validator", "dependency-checker", "health-monitor").shortRetries()
                .property("printery.dlq.alert-window", "1s").properties(Map.of(
                        "printery.notify.slack.webhook-url", base + "/hooks/deployments",
                        "printery.notify.slack.critical-webhook-url", base + "/hooks/critical",
                        "printery.notify.smtp.host", "127.0.0.1",
                        "printery.notify.smtp.port", String.valueOf(smtp.getSmtp().getPort()),
                        "printery.notify.smtp.username", "printery",
                        "printery.notify.smtp.password", "s3cret",
                        "printery.notify.pagerduty.routing-key", ROUTING_KEY,
                        "printery.notify.pagerduty.url", base + "/v2/enqueue",
                        "printery.notify.response-timeout", String.valueOf(RESPONSE_TIMEOUT_MS))).start();
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
        smtp.stop();
        http.stop();
    }

    @BeforeEach
    void stubs() {
        http.resetAll();
        http.stubFor(post(urlEqualTo("/hooks/deployments")).willReturn(aResponse().withStatus(200).withBody("ok")));
        http.stubFor(post(urlEqualTo("/hooks/critical")).willReturn(aResponse().withStatus(200).withBody("ok")));
        http.stubFor(post(urlEqualTo("/v2/enqueue")).willReturn(aResponse().withStatus(202)
                .withBody("{\"status\":\"success\",\"message\":\"Event processed\"}")));
    }

    @Test
    void deploymentStartedGoesToTheDeploymentsChannelOnly() {
        String deployment = deployment();
        String entry = app.publisher().publishDeploymentStarted(deployment, "corr-" + deployment, started());

        List<LoggedRequest> posts = awaitPosts("/hooks/deployments", deployment, 1);
        String text = JSON_text(posts.get(0));
        for (String field : List.of(deployment, "1.4.2", "production", "RUNNING", "corr-" + deployment, "Deployment started")) {
            assertTrue(text.contains(field), "Slack text carries " + field + ": " + text);
        }
        app.awaitProcessed(app.streams().deployment(), "printery-notifier", entry);
        assertEquals(0, posts("/hooks/critical", deployment).size());
        assertEquals(0, mails(deployment).size());
    }

    @Test
    void successfulCompletionGoesToTheDeploymentsChannelAndTheTeam() throws Exception {
        String deployment = deployment();
        app.publisher().publishDeploymentCompleted(deployment, null, DeploymentCompletedEvent.newBuilder()
                .setStatus(DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS).setTotalDurationMs(125_000)
                .setVersion("1.4.2").setEnvironment("production").build());

        awaitPosts("/hooks/deployments", deployment, 1);
        MimeMessage mail = awaitMails(deployment, 1).get(0);
        assertEquals("materi-team@materi.dev", mail.getRecipients(Message.RecipientType.TO)[0].toString());
        assertEquals("[Printery] Deployment completed: " + deployment + " 1.4.2 production", mail.getSubject());
        String body = GreenMailUtil.getBody(mail);
        assertTrue(body.contains("duration: 2 min 5 s") && body.contains("status: SUCCESS"), body);
    }

    @Test
    void fieldsAnEntryAddsNeverBecomeMailHeaders() throws Exception {
        String deployment = deployment();
        DeploymentEvent event = DeploymentEvent.newBuilder().setEventId(UUID.randomUUID().toString())
                .setType(EventTypes.DEPLOYMENT_COMPLETED).setDeploymentId(deployment).setTimestamp(System.currentTimeMillis())
                .setDeploymentCompleted(DeploymentCompletedEvent.newBuilder().setStatus(DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS)
                        .setVersion("1.4.2").setEnvironment("production")).build();
        Map<byte[], byte[]> entry = EntryLayout.entryOf(event);
        entry.put("Bcc".getBytes(StandardCharsets.UTF_8), "intruder@example.com".getBytes(StandardCharsets.UTF_8));
        entry.put("Reply-To".getBytes(StandardCharsets.UTF_8), "intruder@example.com".getBytes(StandardCharsets.UTF_8));
        app.add(app.streams().deployment(), entry);

        MimeMessage mail = awaitMails(deployment, 1).get(0);
        assertEquals("materi-team@materi.dev", mail.getRecipients(Message.RecipientType.TO)[0].toString());
        assertEquals(null, mail.getRecipients(Message.RecipientType.BCC));
        assertEquals(null, mail.getHeader("Reply-To"));
        assertEquals(0, Arrays.stream(smtp.getReceivedMessages()).filter(m -> {
            try {
                return Arrays.toString(m.getAllRecipients()).contains("intruder");
            } catch (jakarta.mail.MessagingException e) {
                throw new IllegalStateException(e);
            }
        }).count(), "nothing went to the address an entry named");
    }

    @Test
    void failureGoesToCriticalOnCallAndPagerDuty() throws Exception {
        String deployment = deployment();
        app.publisher().publishDeploymentFailed(deployment, "corr-1", failed());

        String text = JSON_text(awaitPosts("/hooks/critical", deployment, 1).get(0));
        assertTrue(text.contains("railway") && text.contains("api health check failed"), text);
        MimeMessage mail = awaitMails(deployment, 1).get(0);
        assertEquals("materi-oncall@materi.dev", mail.getRecipients(Message.RecipientType.TO)[0].toString());

        JsonNode page = JSON.readTree(awaitPosts("/v2/enqueue", deployment, 1).get(0).getBodyAsString());
        assertEquals(ROUTING_KEY, page.path("routing_key").asText());
        assertEquals("trigger", page.path("event_action").asText());
        assertEquals(deployment, page.path("dedup_key").asText());
        assertEquals("critical", page.path("payload").path("severity").asText());
        assertEquals("printery", page.path("payload").path("source").asText());
        assertTrue(page.path("payload").path("summary").asText().contains("Deployment failed: " + deployment));
        assertEquals("corr-1", page.path("payload").path("custom_details").path("correlation_id").asText());
        assertEquals(0, posts("/hooks/deployments", deployment).size(), "webhooks have no thread: no copy in #deployments");
    }

    @Test
    void rollbackGoesToCriticalAndTheTeam() throws Exception {
        String deployment = deployment();
        app.publisher().publishRollbackInitiated(deployment, null, RollbackInitiatedEvent.newBuilder()
                .setPreviousVersion("1.4.1").setFailedVersion("1.4.2").setEnvironment("production")
                .setReason("health check failed").addStagesToRollback("railway").build());

        assertTrue(JSON_text(awaitPosts("/hooks/critical", deployment, 1).get(0)).contains("Rollback initiated to 1.4.1"));
        assertEquals("materi-team@materi.dev", awaitMails(deployment, 1).get(0).getRecipients(Message.RecipientType.TO)[0].toString());
    }

    @Test
    void workerFailuresGoToCriticalAndPassesStayQuiet() {
        String failedValidation = deployment();
        String unhealthyDependencies = deployment();
        String unhealthyServices = deployment();
        String passedValidation = deployment();
        app.publisher().publishValidationCompleted(failedValidation, null, ValidationCompletedEvent.newBuilder()
                .setResult(ValidationResult.VALIDATION_RESULT_FAILED).setVersion("1.4.2").setEnvironment("production")
                .addChecks(ValidationCheckResult.newBuilder().setName("images_exist").setService("api")
                        .setResult(ValidationResult.VALIDATION_RESULT_FAILED).setMessage("manifest unknown")).build());
        app.publisher().publishDependencyCheckCompleted(unhealthyDependencies, null, DependencyCheckCompletedEvent.newBuilder()
                .setStage("railway").setResult(DependencyCheckResult.DEPENDENCY_CHECK_RESULT_ALL_UNHEALTHY)
                .addDependencies(DependencyStatus.newBuilder().setService("api").setDependency("postgres")
                        .setStatus(HealthStatus.HEALTH_STATUS_UNHEALTHY).setErrorMessage("connection refused")).build());
        app.publisher().publishHealthCheckCompleted(unhealthyServices, null, HealthCheckCompletedEvent.newBuilder()
                .setStage("railway").setOverallStatus(HealthStatus.HEALTH_STATUS_UNHEALTHY).setRollbackReason("api error rate 12%")
                .addServices(ServiceHealthStatus.newBuilder().setService("api").setStatus(HealthStatus.HEALTH_STATUS_UNHEALTHY))
                .build());
        String passed = app.publisher().publishValidationCompleted(passedValidation, null, ValidationCompletedEvent.newBuilder()
                .setResult(ValidationResult.VALIDATION_RESULT_PASSED).build());

        assertTrue(JSON_text(awaitPosts("/hooks/critical", failedValidation, 1).get(0)).contains("images_exist[api] FAILED: manifest unknown"));
        assertTrue(JSON_text(awaitPosts("/hooks/critical", unhealthyDependencies, 1).get(0)).contains("api -> postgres UNHEALTHY: connection refused"));
        assertTrue(JSON_text(awaitPosts("/hooks/critical", unhealthyServices, 1).get(0)).contains("api error rate 12%"));
        app.awaitProcessed(app.streams().validation(), "printery-notifier", passed);
        assertEquals(0, posts("/hooks/critical", passedValidation).size() + posts("/hooks/deployments", passedValidation).size());
    }

    @Test
    void aRedeliveredEventIsPostedOncePerChannel() throws Exception {
        String deployment = deployment();
        DeploymentEvent event = DeploymentEvent.newBuilder().setType(EventTypes.DEPLOYMENT_FAILED)
                .setEventId(UUID.randomUUID().toString()).setDeploymentId(deployment).setDeploymentFailed(failed()).build();
        // the redelivery comes after the first delivery finished, as after a crash before the ack or a replay
        app.awaitProcessed(app.streams().deployment(), "printery-notifier", app.publisher().publish(event));
        String again = app.publisher().publish(event);
        app.awaitProcessed(app.streams().deployment(), "printery-notifier", again);

        assertEquals(1, posts("/hooks/critical", deployment).size());
        assertEquals(1, posts("/v2/enqueue", deployment).size());
        assertEquals(1, awaitMails(deployment, 1).size());
    }

    @Test
    void aFailingChannelIsRetriedAndTheOthersAreNotPostedAgain() throws Exception {
        String deployment = deployment();
        http.stubFor(post(urlEqualTo("/v2/enqueue")).withRequestBody(containing(deployment)).atPriority(1)
                .inScenario(deployment).whenScenarioStateIs(Scenario.STARTED).willSetStateTo("down again")
                .willReturn(aResponse().withStatus(500)));
        http.stubFor(post(urlEqualTo("/v2/enqueue")).withRequestBody(containing(deployment)).atPriority(1)
                .inScenario(deployment).whenScenarioStateIs("down again").willSetStateTo("up")
                .willReturn(aResponse().withStatus(503)));

        String entry = app.publisher().publishDeploymentFailed(deployment, null, failed());
        app.awaitProcessed(app.streams().deployment(), "printery-notifier", entry);

        assertEquals(3, posts("/v2/enqueue", deployment).size(), "two failures, then delivered");
        assertEquals(1, posts("/hooks/critical", deployment).size());
        assertEquals(1, awaitMails(deployment, 1).size());
        assertEquals(0, deadLetterEntries(deployment), "delivered before the retries ran out: no dead letter");
    }

    @Test
    void aChannelDownPastItsRetriesIsDeadLetteredAndTheReplaySendsOnlyThatChannel() throws Exception {
        String deployment = deployment();
        http.stubFor(post(urlEqualTo("/v2/enqueue")).withRequestBody(containing(deployment)).atPriority(1)
                .willReturn(aResponse().withStatus(503)));

        app.publisher().publishDeploymentFailed(deployment, null, failed());
        DeadLetter dead = app.awaitDeadLetter("notification-failures", deployment);
        assertEquals(4, dead.attempts(), "first attempt and 3 redeliveries");
        assertEquals(4, posts("/v2/enqueue", deployment).size(), "first attempt and 3 redeliveries, then " + dead.exceptionMessage());
        assertTrue(dead.exceptionMessage().contains("statusCode: 503"), dead.exceptionMessage());
        assertEquals(deployment, EventFormat.decode(dead.payload()).getDeploymentId());
        // the ops alert names the dead letter; it is not one of the deployment's own messages
        assertTrue(JSON_text(awaitPosts("/hooks/critical", dead.id(), 1).get(0)).contains("notification-failures"));
        assertEquals("materi-ops@materi.dev", awaitMails(dead.id(), 1).get(0).getRecipients(Message.RecipientType.TO)[0].toString());

        http.stubFor(post(urlEqualTo("/v2/enqueue")).withRequestBody(containing(deployment)).atPriority(1)
                .willReturn(aResponse().withStatus(202)));
        DlqReplayer.Result replay = app.bean("dlqReplayer", DlqReplayer.class).replay(dead.id(), false);
        assertEquals(DlqReplayer.Outcome.REPLAYED, replay.outcome());
        app.awaitProcessed(app.streams().deployment(), "printery-notifier", replay.entryId());

        assertEquals(5, posts("/v2/enqueue", deployment).size(), "the replay paged once");
        assertEquals(1, posts("/hooks/critical", deployment).size(), "Slack already had it");
        assertEquals(1, awaitMails(deployment, 1).size(), "on-call already had it");
        assertEquals(1, deadLetterEntries(deployment), "the replay was not dead-lettered again");
    }

    @Test
    void aPageThatIsNotAnsweredWithinTheResponseTimeoutIsRetriedThenDeadLettered() throws Exception {
        String deployment = deployment();
        http.stubFor(post(urlEqualTo("/v2/enqueue")).withRequestBody(containing(deployment)).atPriority(1)
                .willReturn(aResponse().withStatus(202).withFixedDelay(RESPONSE_TIMEOUT_MS + 1_500)));

        app.publisher().publishDeploymentFailed(deployment, null, failed());

        DeadLetter dead = app.awaitDeadLetter("notification-failures", deployment);
        assertEquals(4, dead.attempts(), "first attempt and 3 redeliveries");
        assertTrue(dead.exceptionMessage().contains("timed out"), dead.exceptionMessage());
        assertEquals(4, posts("/v2/enqueue", deployment).size());
    }

    @Test
    void opsAlertsGoToCriticalAndOps() throws Exception {
        String marker = "alert-" + UUID.randomUUID();
        app.camel().createProducerTemplate().sendBodyAndHeader("direct:ops-alert", "500 dead letters in 1 min " + marker,
                "PrinteryAlertTitle", "Dead letters: notification-failures");

        String text = JSON_text(awaitPosts("/hooks/critical", marker, 1).get(0));
        assertTrue(text.contains("Dead letters: notification-failures") && text.contains("500 dead letters"), text);
        MimeMessage mail = awaitMails(marker, 1).get(0);
        assertEquals("materi-ops@materi.dev", mail.getRecipients(Message.RecipientType.TO)[0].toString());
        assertEquals("[Printery] Dead letters: notification-failures", mail.getSubject());
    }

    private static String deployment() {
        return "dep-" + UUID.randomUUID();
    }

    private static DeploymentStartedEvent started() {
        return DeploymentStartedEvent.newBuilder().setVersion("1.4.2").setEnvironment("production")
                .addServices("api").build();
    }

    private static DeploymentFailedEvent failed() {
        return DeploymentFailedEvent.newBuilder().setReason("api health check failed").setFailedStage("railway")
                .setErrorDetails("error rate 12%").setVersion("1.4.2").setEnvironment("production").build();
    }

    /** Entries on the DLQ stream about this deployment: written before the failed entry is acked. */
    private static long deadLetterEntries(String deployment) {
        return app.fields(app.streams().dlq()).stream().filter(entry -> deployment.equals(entry.get("deployment_id"))).count();
    }

    private static List<LoggedRequest> posts(String path, String containing) {
        return http.findAll(postRequestedFor(urlEqualTo(path)).withRequestBody(containing(containing)));
    }

    private static List<LoggedRequest> awaitPosts(String path, String containing, int count) {
        await(count + " POST " + path + " about " + containing).atMost(Duration.ofSeconds(20))
                .until(() -> posts(path, containing).size() >= count);
        return posts(path, containing);
    }

    private static List<MimeMessage> mails(String containing) {
        return Arrays.stream(smtp.getReceivedMessages())
                .filter(m -> GreenMailUtil.getWholeMessage(m).contains(containing)).toList();
    }

    private static List<MimeMessage> awaitMails(String containing, int count) {
        await(count + " mails about " + containing).atMost(Duration.ofSeconds(20)).until(() -> mails(containing).size() >= count);
        return mails(containing);
    }

    private static String JSON_text(LoggedRequest request) {
        try {
            return JSON.readTree(request.getBodyAsString()).path("text").asText();
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + request.getBodyAsString(), e);
        }
    }
}
