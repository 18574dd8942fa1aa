package routes.workers;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.util.TimeUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import routes.events.EntryLayout;
import routes.events.EventPublisher;
import routes.events.EventTypes;
import routes.events.InvalidEventException;
import routes.events.Streams;
import routes.events.proto.DeploymentCompletedEvent;
import routes.events.proto.DeploymentEvent;
import routes.events.proto.DeploymentStartedEvent;
import routes.events.proto.DeploymentStatus;
import routes.streams.RedisStreamsConfiguration;
import routes.streams.RedisStreamsEndpoint;
import routes.support.TestApp;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static routes.events.proto.ValidationResult.VALIDATION_RESULT_FAILED;
import static routes.events.proto.ValidationResult.VALIDATION_RESULT_PASSED;

/**
 * End to end through routes.yaml on Camel Main: deployment:started published on the deployment stream comes back as
 * validation:started and validation:completed on the validation stream; other types are ignored, a redelivered
 * event is validated once, and the entries are acked in group printery-validator.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ValidatorRouteTest {

    private ValidatorFixture fixture;
    private TestApp app;
    private EventPublisher publisher;
    private Streams streams;

    @BeforeAll
    void start() throws Exception {
        fixture = new ValidatorFixture();
        app = TestApp.builder().property("printery.manifest", fixture.manifestFile(Map.of()).toString())
                .property("printery.validator.check-timeout", "5s").start();
        publisher = app.bean("eventPublisher", EventPublisher.class);
        streams = app.streams();
    }

    @AfterAll
    void stop() throws Exception {
        app.close();
        fixture.close();
    }

    @Test
    void deploymentStartedComesBackAsValidationResults() throws Exception {
        String deploymentId = "dep-" + UUID.randomUUID();
        publisher.publishDeploymentStarted(deploymentId, "corr-e2e", DeploymentStartedEvent.newBuilder()
                .setVersion("3.5.0").setEnvironment("staging").addAllServices(List.of("api", "worker", "web")).build());

        DeploymentEvent completed = app.awaitEvent(streams.validation(), e -> e.getDeploymentId().equals(deploymentId)
                && e.getType().equals(EventTypes.VALIDATION_COMPLETED), Duration.ofSeconds(20));
        assertEquals(VALIDATION_RESULT_PASSED, completed.getValidationCompleted().getResult(), completed.toString());
        assertEquals("corr-e2e", completed.getCorrelationId());
        assertEquals(6, completed.getValidationCompleted().getChecksCount());
        List<String> types = app.events(streams.validation()).stream().filter(e -> e.getDeploymentId().equals(deploymentId))
                .map(DeploymentEvent::getType).toList();
        assertEquals(List.of(EventTypes.VALIDATION_STARTED, EventTypes.VALIDATION_COMPLETED), types);
    }

    @Test
    void anEventWithoutVersionIsDeadLetteredAtOnceAndAnnouncesNothing() throws Exception {
        String deploymentId = "dep-" + UUID.randomUUID();
        String entryId = publisher.publishDeploymentStarted(deploymentId, null, DeploymentStartedEvent.newBuilder()
                .setEnvironment("staging").addServices("api").build());

        await("the dead letter of " + entryId).atMost(Duration.ofSeconds(20))
                .untilAsserted(() -> assertTrue(deadLetterOf(entryId).isPresent(), "no dead letter of " + entryId));
        Map<String, String> letter = deadLetterOf(entryId).orElseThrow();
        assertEquals(InvalidEventException.class.getName(), letter.get("exception_class"));
        assertEquals("1", letter.get("attempts"));
        assertEquals("validator-failures", letter.get("worker"));
        assertTrue(app.events(streams.validation()).stream().noneMatch(e -> e.getDeploymentId().equals(deploymentId)));
    }

    @Test
    void otherTypesAreIgnoredAndARedeliveredEventIsValidatedOnce() throws Exception {
        String first = "dep-" + UUID.randomUUID();
        String other = "dep-" + UUID.randomUUID();
        String last = "dep-" + UUID.randomUUID();
        // first, its copy, other and last: four entries for the validator's route
        NotifyBuilder handled = new NotifyBuilder(app.camel()).fromRoute("validator")
                .filter(exchange -> List.of(first, other, last).contains(exchange.getProperty("deploymentId", String.class)))
                .whenDone(4).create();
        publisher.publishDeploymentStarted(first, null, DeploymentStartedEvent.newBuilder()
                .setVersion("3.6.0").setEnvironment("staging").addServices("api").build());
        DeploymentEvent original = app.awaitEvent(streams.deployment(), e -> e.getDeploymentId().equals(first), Duration.ofSeconds(5));
        publisher.publish(original);
        publisher.publishDeploymentCompleted(other, null, DeploymentCompletedEvent.newBuilder()
                .setStatus(DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS).setVersion("3.5.0").build());
        publisher.publishDeploymentStarted(last, null, DeploymentStartedEvent.newBuilder()
                .setVersion("3.5.0").setEnvironment("staging").addServices("web").build());

        assertTrue(handled.matches(20, TimeUnit.SECONDS), "the validator's route handled the four entries");
        List<DeploymentEvent> results = app.events(streams.validation());
        assertTrue(results.stream().anyMatch(e -> e.getDeploymentId().equals(last)
                && e.getType().equals(EventTypes.VALIDATION_COMPLETED)), "the last event validated");
        List<DeploymentEvent> ofFirst = results.stream().filter(e -> e.getDeploymentId().equals(first)).toList();
        assertEquals(List.of(EventTypes.VALIDATION_STARTED, EventTypes.VALIDATION_COMPLETED),
                ofFirst.stream().map(DeploymentEvent::getType).toList());
        assertEquals(VALIDATION_RESULT_FAILED, ofFirst.get(1).getValidationCompleted().getResult());
        assertTrue(results.stream().noneMatch(e -> e.getDeploymentId().equals(other)));
        app.awaitAcked(streams.deployment(), "printery-validator");
    }

    @Test
    void theEntriesOfADeadInstanceAreClaimedInTimeForAnotherToValidateThemBeforeTheOrchestratorGivesUp() {
        // Claimed after claimIdleTime at the next claim round, then validated: all of it before the deployment's
        // validation deadline, or it fails although another instance is there to validate it.
        RedisStreamsConfiguration consumer = ((RedisStreamsEndpoint) app.camel().getRoute("validator").getEndpoint())
                .getConfiguration();
        long claimedAndValidated = consumer.getClaimIdleTime() + consumer.getClaimInterval()
                + TimeUtils.toMilliSeconds(app.property("printery.validator.check-timeout"));
        long deadline = TimeUtils.toMilliSeconds(app.property("printery.deploy.validation-timeout"));
        assertTrue(claimedAndValidated < deadline, claimedAndValidated + " ms to claim and validate, " + deadline
                + " ms allowed");
    }

    @Test
    void anEntryWithoutItsTypeFieldIsFilteredOnThePayloadsType() throws Exception {
        String started = "dep-" + UUID.randomUUID();
        String completed = "dep-" + UUID.randomUUID();
        addWithout(EntryLayout.FIELD_TYPE, DeploymentEvent.newBuilder().setEventId(UUID.randomUUID().toString())
                .setType(EventTypes.DEPLOYMENT_COMPLETED).setDeploymentId(completed).setTimestamp(System.currentTimeMillis())
                .setDeploymentCompleted(DeploymentCompletedEvent.newBuilder().setStatus(DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS)
                        .setVersion("3.5.0")).build());
        addWithout(EntryLayout.FIELD_TYPE, DeploymentEvent.newBuilder().setEventId(UUID.randomUUID().toString())
                .setType(EventTypes.DEPLOYMENT_STARTED).setDeploymentId(started).setTimestamp(System.currentTimeMillis())
                .setDeploymentStarted(DeploymentStartedEvent.newBuilder().setVersion("3.5.0").setEnvironment("staging")
                        .addServices("api")).build());

        app.awaitEvent(streams.validation(), e -> e.getDeploymentId().equals(started)
                && e.getType().equals(EventTypes.VALIDATION_COMPLETED), Duration.ofSeconds(20));
        assertTrue(app.events(streams.validation()).stream().noneMatch(e -> e.getDeploymentId().equals(completed)),
                "deployment:completed, known from its payload only, is not the validator's");
        app.awaitAcked(streams.deployment(), "printery-validator");
    }

    @Test
    void entriesWithoutAnEventIdFieldAreKeptApartByTheirPayloadsIds() throws Exception {
        List<String> deployments = List.of("dep-" + UUID.randomUUID(), "dep-" + UUID.randomUUID());
        for (String deploymentId : deployments) {
            addWithout(EntryLayout.FIELD_EVENT_ID, DeploymentEvent.newBuilder().setEventId(UUID.randomUUID().toString())
                    .setType(EventTypes.DEPLOYMENT_STARTED).setDeploymentId(deploymentId).setTimestamp(System.currentTimeMillis())
                    .setDeploymentStarted(DeploymentStartedEvent.newBuilder().setVersion("3.5.0").setEnvironment("staging")
                            .addServices("api")).build());
        }
        for (String deploymentId : deployments) {
            app.awaitEvent(streams.validation(), e -> e.getDeploymentId().equals(deploymentId)
                    && e.getType().equals(EventTypes.VALIDATION_COMPLETED), Duration.ofSeconds(20));
        }
        app.awaitAcked(streams.deployment(), "printery-validator");
    }

    /** The fields of the DLQ entry of a deployment stream entry. */
    private Optional<Map<String, String>> deadLetterOf(String entryId) {
        return app.fields(streams.dlq()).stream().filter(f -> entryId.equals(f.get("source_entry_id"))).findFirst();
    }

    /** What a producer that leaves out one of the entry's plain fields writes: the others and the payload. */
    private void addWithout(String leftOut, DeploymentEvent event) {
        Map<byte[], byte[]> entry = EntryLayout.entryOf(event);
        entry.keySet().removeIf(field -> new String(field, StandardCharsets.UTF_8).equals(leftOut));
        app.add(streams.deployment(), entry);
    }
}
