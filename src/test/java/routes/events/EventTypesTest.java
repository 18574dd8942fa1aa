package routes.events;

import java.util.List;

import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;
import routes.events.proto.DependencyCheckCompletedEvent;
import routes.events.proto.DependencyCheckResult;
import routes.events.proto.DependencyCheckStartedEvent;
import routes.events.proto.DependencyStatus;
import routes.events.proto.DeploymentCompletedEvent;
import routes.events.proto.DeploymentEvent;
import routes.events.proto.DeploymentFailedEvent;
import routes.events.proto.DeploymentMetrics;
import routes.events.proto.DeploymentStageCompletedEvent;
import routes.events.proto.DeploymentStageStartedEvent;
import routes.events.proto.DeploymentStartedEvent;
import routes.events.proto.DeploymentStatus;
import routes.events.proto.HealthCheckCompletedEvent;
import routes.events.proto.HealthCheckStartedEvent;
import routes.events.proto.HealthStatus;
import routes.events.proto.Priority;
import routes.events.proto.RollbackCompletedEvent;
import routes.events.proto.RollbackInitiatedEvent;
import routes.events.proto.ServiceHealthStatus;
import routes.events.proto.StageResult;
import routes.events.proto.ValidationCheckResult;
import routes.events.proto.ValidationCompletedEvent;
import routes.events.proto.ValidationResult;
import routes.events.proto.ValidationStartedEvent;
import routes.streams.RedisStreamsConstants;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every event type survives serialization and EventFormat; bad input fails with a clear InvalidEventException. */
class EventTypesTest {

    /** One full event of each of the 13 types, with the payload its type calls for. */
    static List<DeploymentEvent> oneOfEach() {
        return List.of(
                envelope(EventTypes.DEPLOYMENT_STARTED).setDeploymentStarted(DeploymentStartedEvent.newBuilder()
                        .setVersion("2.0.0").setEnvironment("prod").setStrategy("rolling").addServices("api")
                        .setPreviousVersion("1.9.0")).build(),
                envelope(EventTypes.stageStarted("railway")).setStageStarted(DeploymentStageStartedEvent.newBuilder()
                        .setStage("railway").setVersion("2.0.0").addServices("api")).build(),
                envelope(EventTypes.stageCompleted("railway")).setStageCompleted(DeploymentStageCompletedEvent.newBuilder()
                        .setStage("railway").setStatus(DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS).setDurationMs(1200)).build(),
                envelope(EventTypes.DEPLOYMENT_COMPLETED).setDeploymentCompleted(DeploymentCompletedEvent.newBuilder()
                        .setStatus(DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS).setTotalDurationMs(5000)
                        .addStageResults(StageResult.newBuilder().setStage("vercel").putArtifacts("web", "https://example.test"))
                        .setMetrics(DeploymentMetrics.newBuilder().setServicesDeployed(3))).build(),
                envelope(EventTypes.DEPLOYMENT_FAILED).setDeploymentFailed(DeploymentFailedEvent.newBuilder()
                        .setReason("health").setFailedStage("railway")).build(),
                envelope(EventTypes.ROLLBACK_INITIATED).setRollbackInitiated(RollbackInitiatedEvent.newBuilder()
                        .setPreviousVersion("1.9.0").addStagesToRollback("railway")).build(),
                envelope(EventTypes.ROLLBACK_COMPLETED).setRollbackCompleted(RollbackCompletedEvent.newBuilder()
                        .setStatus(DeploymentStatus.DEPLOYMENT_STATUS_ROLLED_BACK).setRestoredVersion("1.9.0")).build(),
                envelope(EventTypes.VALIDATION_STARTED).setValidationStarted(ValidationStartedEvent.newBuilder()
                        .addChecks("images_exist")).build(),
                envelope(EventTypes.VALIDATION_COMPLETED).setValidationCompleted(ValidationCompletedEvent.newBuilder()
                        .setResult(ValidationResult.VALIDATION_RESULT_PASSED)
                        .addChecks(ValidationCheckResult.newBuilder().setName("images_exist")
                                .setResult(ValidationResult.VALIDATION_RESULT_PASSED))).build(),
                envelope(EventTypes.DEPENDENCY_CHECK_STARTED).setDependencyCheckStarted(DependencyCheckStartedEvent.newBuilder()
                        .setStage("railway").addServices("api")).build(),
                envelope(EventTypes.DEPENDENCY_CHECK_COMPLETED).setDependencyCheckCompleted(DependencyCheckCompletedEvent.newBuilder()
                        .setResult(DependencyCheckResult.DEPENDENCY_CHECK_RESULT_ALL_HEALTHY)
                        .addDependencies(DependencyStatus.newBuilder().setService("api").setDependency("postgres")
                                .setStatus(HealthStatus.HEALTH_STATUS_HEALTHY))).build(),
                envelope(EventTypes.HEALTH_CHECK_STARTED).setHealthCheckStarted(HealthCheckStartedEvent.newBuilder()
                        .setStage("railway").setWindowMs(30000)).build(),
                envelope(EventTypes.HEALTH_CHECK_COMPLETED).setHealthCheckCompleted(HealthCheckCompletedEvent.newBuilder()
                        .setOverallStatus(HealthStatus.HEALTH_STATUS_INCONCLUSIVE)
                        .addServices(ServiceHealthStatus.newBuilder().setService("api").setErrorRate(0.25))).build());
    }

    private static DeploymentEvent.Builder envelope(String type) {
        return DeploymentEvent.newBuilder().setEventId("e-" + type).setType(type).setDeploymentId("dep-1")
                .setCorrelationId("corr-1").setTimestamp(1_700_000_000_000L).setPriority(EventTypes.priorityOf(type));
    }

    @Test
    void everyTypeRoundTripsThroughBytesAndEventFormat() {
        List<DeploymentEvent> events = oneOfEach();
        assertEquals(13, events.stream().map(DeploymentEvent::getPayloadCase).distinct().count());
        for (DeploymentEvent event : events) {
            assertEquals(event, EventFormat.decode(event.toByteArray()), event.getType());
        }
    }

    @Test
    void unmarshalsEntryPayloadBytes() throws Exception {
        DeploymentEvent event = oneOfEach().get(0);
        try (EventFormat format = new EventFormat()) {
            assertEquals(event, format.unmarshal(exchange(), event.toByteArray()));
        }
    }

    @Test
    void stageTypesNameOneStageAndEndInStartedOrCompleted() {
        assertEquals("railway", EventTypes.stageOf("deployment:stage:railway:completed"));
        assertEquals("vercel", EventTypes.stageOf("deployment:stage:vercel:started"));
        assertTrue(EventTypes.isStageCompleted("deployment:stage:railway:completed"));
        assertFalse(EventTypes.isStageStarted("deployment:stage:railway:completed"));
        assertTrue(EventTypes.isStageStarted("deployment:stage:railway:started"));
        for (String malformed : new String[] {"deployment:stage::started", "deployment:stage:railway:startedx",
                "deployment:stage:a:b:completed", "deployment:stage:railway", "deployment:started", "", null}) {
            assertNull(EventTypes.stageOf(malformed), malformed);
            assertFalse(EventTypes.isStageStarted(malformed), malformed);
            assertFalse(EventTypes.isStageCompleted(malformed), malformed);
        }
    }

    @Test
    void prioritiesFollowTheType() {
        assertEquals(Priority.PRIORITY_CRITICAL, EventTypes.priorityOf(EventTypes.DEPLOYMENT_FAILED));
        assertEquals(Priority.PRIORITY_CRITICAL, EventTypes.priorityOf(EventTypes.ROLLBACK_INITIATED));
        assertEquals(Priority.PRIORITY_CRITICAL, EventTypes.priorityOf(EventTypes.ROLLBACK_COMPLETED));
        assertEquals(Priority.PRIORITY_HIGH, EventTypes.priorityOf(EventTypes.stageStarted("vercel")));
        assertEquals(Priority.PRIORITY_HIGH, EventTypes.priorityOf(EventTypes.stageCompleted("vercel")));
        assertEquals(Priority.PRIORITY_NORMAL, EventTypes.priorityOf(EventTypes.DEPLOYMENT_STARTED));
    }

    @Test
    void rejectsBytesThatAreNoEvent() {
        assertInvalid("is not a DeploymentEvent", new byte[] {0x0a, 0x05, 'a'});
        assertInvalid("empty payload", new byte[0]);
    }

    @Test
    void rejectsUnknownTypes() {
        DeploymentEvent valid = oneOfEach().get(0);
        assertInvalid("unknown event type 'deployment:exploded'", valid.toBuilder().setType("deployment:exploded"));
        assertInvalid("unknown event type 'deployment:stage::started'", valid.toBuilder().setType("deployment:stage::started"));
    }

    @Test
    void rejectsMissingFields() {
        DeploymentEvent valid = oneOfEach().get(0);
        assertInvalid("missing required field 'type'", valid.toBuilder().clearType());
        assertInvalid("missing required field 'event_id'", valid.toBuilder().clearEventId());
        assertInvalid("missing required field 'deployment_id'", valid.toBuilder().clearDeploymentId());
    }

    @Test
    void rejectsThePayloadOfAnotherType() {
        DeploymentEvent started = oneOfEach().get(0);
        assertInvalid("carries payload VALIDATION_STARTED, expected DEPLOYMENT_STARTED",
                started.toBuilder().setValidationStarted(ValidationStartedEvent.getDefaultInstance()));
        assertInvalid("carries payload PAYLOAD_NOT_SET, expected DEPLOYMENT_STARTED", started.toBuilder().clearPayload());
    }

    @Test
    void turnsAnEntryErrorIntoInvalidEvent() throws Exception {
        Exchange exchange = exchange();
        exchange.getIn().setHeader(RedisStreamsConstants.ENTRY_ERROR, "entry 1-0 on s has no 'payload' field");
        try (EventFormat format = new EventFormat()) {
            InvalidEventException e = assertThrows(InvalidEventException.class, () -> format.unmarshal(exchange, (Object) null));
            assertEquals("entry 1-0 on s has no 'payload' field", e.getMessage());
        }
    }

    private static void assertInvalid(String expectedMessagePart, DeploymentEvent.Builder event) {
        assertInvalid(expectedMessagePart, event.build().toByteArray());
    }

    private static void assertInvalid(String expectedMessagePart, byte[] bytes) {
        InvalidEventException e = assertThrows(InvalidEventException.class, () -> EventFormat.decode(bytes));
        assertTrue(e.getMessage().contains(expectedMessagePart), "message: " + e.getMessage());
    }

    private static Exchange exchange() {
        return new DefaultExchange(new DefaultCamelContext());
    }
}
