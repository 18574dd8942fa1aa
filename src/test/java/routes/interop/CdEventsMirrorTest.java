package routes.interop;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import routes.dlq.DeadLetter;
import routes.dlq.DlqReplayer;
import routes.events.EventTypes;
import routes.events.proto.DeploymentCompletedEvent;
import routes.events.proto.DeploymentEvent;
import routes.events.proto.DeploymentFailedEvent;
import routes.events.proto.DeploymentStartedEvent;
import routes.events.proto.DeploymentStatus;
import routes.events.proto.StageResult;
import routes.events.proto.ValidationStartedEvent;
import routes.support.TestApp;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The mirror's routes on the packaged configuration against a receiver on 127.0.0.1: the CloudEvents binary-mode
 * request, each CDEvent once however often its event is on the streams, a refused CDEvent retried without re-sending
 * the ones before it, one refused for good dead-lettered (category cdevents-failures) and sent by its replay; and no
 * mirror at all without PRINTERY_CDEVENTS_URL.
 */
class CdEventsMirrorTest {

    static final String MANIFEST = """
            stages:
              - name: railway
                services: [api, shield]
            services:
              api: {image: materi/api}
              shield: {image: materi/shield}
            """;
    static final String GROUP = "printery-cdevents";
    static final String CATEGORY = "cdevents-failures";
    private static final Duration WAIT = Duration.ofSeconds(30);
    /** The mirror alone (and the DLQ's routes): no worker result or notification of the test's events. */
    private static final String OTHERS = "validator,dependency-checker,health-monitor,notifier,orchestrator,orchestrator-sweep";

    private static CdEventsReceiver receiver;
    private static TestApp app;
    private static final Map<String, AtomicInteger> refusals = new ConcurrentHashMap<>();
    private static final Set<String> refusedDeployments = ConcurrentHashMap.newKeySet();

    private final String deployment = "dep-" + UUID.randomUUID();
    private final String environment = "staging-" + UUID.randomUUID().toString().substring(0, 8);

    @BeforeAll
    static void start() throws Exception {
        receiver = new CdEventsReceiver();
        receiver.answer(r -> {
            if (refusedDeployments.contains(r.json().at("/customData/deployment_id").asText())) {
                return 500;
            }
            AtomicInteger left = refusals.get(r.id());
            return left != null && left.getAndDecrement() > 0 ? 503 : 202;
        });
        app = mirror().property("printery.cdevents.url", receiver.url()).without(OTHERS).start();
    }

    @AfterAll
    static void stop() {
        app.close();
        receiver.close();
    }

    @Test
    void eachEventGoesOnceAsACloudEventInBinaryMode() {
        DeploymentEvent started = event(EventTypes.DEPLOYMENT_STARTED, DeploymentEvent.newBuilder()
                .setDeploymentStarted(DeploymentStartedEvent.newBuilder().setVersion("v2.0.0").setEnvironment(environment)
                        .addServices("api")));
        // Published twice (two entries of one event, as after a crash before the publish was recorded).
        app.publisher().publish(started);
        app.publisher().publish(started);
        DeploymentEvent validation = event(EventTypes.VALIDATION_STARTED, DeploymentEvent.newBuilder()
                .setValidationStarted(ValidationStartedEvent.newBuilder().addChecks("images_exist").addServices("api")));
        app.publisher().publish(validation);

        List<CdEventsReceiver.Request> received = receiver.await(deployment, this::ofThisDeployment, 2);
        assertEquals(List.of(started.getEventId(), validation.getEventId()), received.stream().map(CdEventsReceiver.Request::id).toList());
        assertEquals(2, receiver.requests().stream().filter(this::ofThisDeployment).count(), "each CDEvent sent once");

        CdEventsReceiver.Request request = received.get(0);
        assertEquals("POST", request.method());
        assertEquals("/events", request.path());
        assertEquals("1.0", request.header("ce-specversion"));
        assertEquals("/printery", request.header("ce-source"));
        assertEquals("dev.cdevents.pipelinerun.started.0.3.0", request.header("ce-type"));
        assertEquals(deployment, request.header("ce-subject"));
        assertEquals(Instant.ofEpochMilli(started.getTimestamp()).toString(), request.header("ce-time"));
        assertEquals("application/json", request.header("content-type"));
        assertEquals(started.getEventId(), request.json().at("/context/id").asText());
        received.forEach(r -> CdEventsSchemas.assertValid(r.body()));
        assertEquals("dev.cdevents.taskrun.started.0.3.0", received.get(1).header("ce-type"));
        await("the mirror's entries acked").atMost(WAIT).until(() -> app.pending(GROUP) == 0);
        assertTrue(app.groups(app.streams().validation()).contains(GROUP));
    }

    @Test
    void aRefusedCdEventIsRetriedWithoutSendingTheOnesBeforeItAgain() {
        DeploymentEvent completed = completed();
        refusals.put(completed.getEventId() + ":service:shield", new AtomicInteger(2));
        app.publisher().publish(completed);

        List<CdEventsReceiver.Request> accepted = receiver.await(deployment, this::ofThisDeployment, 3);
        assertEquals(List.of(completed.getEventId() + ":service:api", completed.getEventId() + ":service:shield",
                completed.getEventId()), accepted.stream().map(CdEventsReceiver.Request::id).toList());
        assertEquals(List.of("dev.cdevents.service.deployed", "dev.cdevents.service.deployed",
                "dev.cdevents.pipelinerun.finished"), accepted.stream().map(CdEventsReceiver.Request::type).toList());
        assertEquals(List.of(202, 503, 503, 202, 202), receiver.requests().stream().filter(this::ofThisDeployment)
                .map(CdEventsReceiver.Request::status).toList(), "api once, shield after two refusals, then the run's end");
        await("the entry acked").atMost(WAIT).until(() -> app.pending(GROUP) == 0);
        assertTrue(app.deadLetters(CATEGORY, deployment).isEmpty());
    }

    @Test
    void aCdEventRefusedForGoodIsDeadLetteredAndItsReplaySendsIt() {
        refusedDeployments.add(deployment);
        DeploymentEvent failed = event(EventTypes.DEPLOYMENT_FAILED, DeploymentEvent.newBuilder()
                .setDeploymentFailed(DeploymentFailedEvent.newBuilder().setReason("validation failed").setEnvironment(environment)
                        .setStatus(DeploymentStatus.DEPLOYMENT_STATUS_FAILURE)));
        app.publisher().publish(failed);

        DeadLetter letter = app.awaitDeadLetter(CATEGORY, deployment);
        assertEquals(CATEGORY, letter.worker());
        assertEquals(GROUP, letter.group());
        assertEquals(4, letter.attempts(), "the first attempt and printery.retry.maximum-redeliveries (3)");
        assertEquals(CdEventsSendException.class.getName(), letter.exceptionClass());
        assertEquals("CDEvent " + failed.getEventId() + " (dev.cdevents.pipelinerun.finished.0.3.0) refused by "
                + receiver.url().replace("/events", "") + ": HTTP 500", letter.exceptionMessage());
        assertEquals(4, receiver.requests().stream().filter(this::ofThisDeployment).count());
        await("the entry acked once dead-lettered").atMost(WAIT).until(() -> app.pending(GROUP) == 0);

        refusedDeployments.remove(deployment);
        assertEquals(DlqReplayer.Outcome.REPLAYED, app.bean("dlqReplayer", DlqReplayer.class).replay(letter.id(), false).outcome());
        List<CdEventsReceiver.Request> accepted = receiver.await(deployment, this::ofThisDeployment, 1);
        assertEquals(List.of(failed.getEventId()), accepted.stream().map(CdEventsReceiver.Request::id).toList());
        CdEventsSchemas.assertValid(accepted.get(0).body());
        assertEquals("failure", accepted.get(0).json().at("/subject/content/outcome").asText());
    }

    @Test
    void withoutAUrlThereIsNoMirrorAndNoGroup() throws Exception {
        try (TestApp off = mirror().property("printery.cdevents.url", "")
                .without("validator", "dependency-checker", "health-monitor", "orchestrator", "orchestrator-sweep").start()) {
            assertNull(off.camel().getRoute("cdevents-mirror"));
            assertNull(off.camel().getRoute("cdevents-send"));
            String stream = off.streams().deployment();
            // The notifier reads the same streams: once its group is there, the mirror's would be too.
            await("the notifier's group").atMost(WAIT).until(() -> off.groups(stream).contains("printery-notifier"));
            assertFalse(off.groups(stream).contains(GROUP), () -> off.groups(stream).toString());
        }
    }

    /**
     * The packaged configuration with the test's manifest; failures take the real path with short retries: the DLQ
     * stream, the recorder, the database.
     */
    private static TestApp.Builder mirror() {
        return TestApp.builder().manifest(MANIFEST).shortRetries().property("printery.dlq.alert-window", "1s");
    }

    private boolean ofThisDeployment(CdEventsReceiver.Request request) {
        return deployment.equals(request.json().at("/customData/deployment_id").asText());
    }

    private DeploymentEvent completed() {
        return event(EventTypes.DEPLOYMENT_COMPLETED, DeploymentEvent.newBuilder().setDeploymentCompleted(
                DeploymentCompletedEvent.newBuilder().setStatus(DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS)
                        .setVersion("v2.0.0").setEnvironment(environment)
                        .addStageResults(StageResult.newBuilder().setStage("railway")
                                .setStatus(DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS).addServices("api").addServices("shield"))));
    }

    private DeploymentEvent event(String type, DeploymentEvent.Builder payload) {
        return payload.setEventId(UUID.randomUUID().toString()).setType(type).setDeploymentId(deployment)
                .setCorrelationId(deployment).setTimestamp(System.currentTimeMillis()).build();
    }
}
