package routes.workers;

import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.camel.CamelExecutionException;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import routes.events.EventFormat;
import routes.events.EventTypes;
import routes.events.InvalidEventException;
import routes.events.proto.DependencyCheckCompletedEvent;
import routes.events.proto.DependencyCheckResult;
import routes.events.proto.DeploymentEvent;
import routes.events.proto.DeploymentFailedEvent;
import routes.events.proto.DeploymentStartedEvent;
import routes.events.proto.HealthCheckStartedEvent;
import routes.events.proto.Priority;
import routes.events.proto.ValidationStartedEvent;
import routes.support.TestApp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The publish route of routes.yaml (direct:publish): the entry EventPublisher writes from Java, on the stream of the
 * event's type, its entry id as the answer; a failure goes back to the caller.
 */
class PublishRouteTest {

    private static TestApp app;
    private static ProducerTemplate template;

    @BeforeAll
    static void start() throws Exception {
        app = TestApp.builder().manifest("stages: [{name: railway, services: [x]}]\nservices: {x: {image: x}}\n").routes("publish").start();
        template = app.camel().createProducerTemplate();
    }

    @AfterAll
    static void stop() throws Exception {
        template.close();
        app.close();
    }

    @Test
    void writesTheEntryOfEventPublisherOnTheStreamOfTheType() {
        List<DeploymentEvent> events = List.of(
                envelope(EventTypes.DEPLOYMENT_STARTED).setDeploymentStarted(DeploymentStartedEvent.newBuilder()
                        .setVersion("1.0.0").setEnvironment("staging")).build(),
                envelope(EventTypes.VALIDATION_STARTED).setValidationStarted(ValidationStartedEvent.newBuilder()
                        .addChecks("images_exist").setVersion("1.0.0")).build(),
                envelope(EventTypes.DEPENDENCY_CHECK_COMPLETED).setDependencyCheckCompleted(DependencyCheckCompletedEvent
                        .newBuilder().setStage("railway").setResult(DependencyCheckResult.DEPENDENCY_CHECK_RESULT_ALL_HEALTHY)).build(),
                envelope(EventTypes.HEALTH_CHECK_STARTED).setHealthCheckStarted(HealthCheckStartedEvent.newBuilder()
                        .setStage("railway").setWindowMs(1000)).build());
        for (DeploymentEvent event : events) {
            String stream = app.streams().forType(event.getType());

            String routed = template.requestBody("direct:publish", event, String.class);
            String direct = app.publisher().publish(event);

            Map<String, String> fields = app.fields(stream, routed);
            assertEquals(List.of("type", "event_id", "deployment_id", "correlation_id", "payload"),
                    List.copyOf(fields.keySet()), event.getType());
            assertEquals(app.fields(stream, direct), fields, event.getType());
            assertEquals(event.getEventId(), fields.get("event_id"));
        }
    }

    @Test
    void completesTheEnvelopeAsEventPublisherDoes() {
        DeploymentEvent bare = DeploymentEvent.newBuilder().setType(EventTypes.DEPLOYMENT_FAILED)
                .setDeploymentId("dep-" + UUID.randomUUID()).setDeploymentFailed(DeploymentFailedEvent.newBuilder().setReason("boom")).build();

        String entryId = template.requestBody("direct:publish", bare, String.class);

        DeploymentEvent published = app.events(app.streams().deployment()).stream()
                .filter(e -> e.getDeploymentId().equals(bare.getDeploymentId())).findFirst().orElseThrow();
        assertFalse(published.getEventId().isEmpty());
        assertFalse(published.getCorrelationId().isEmpty());
        assertTrue(published.getTimestamp() > 0);
        assertEquals(Priority.PRIORITY_CRITICAL, published.getPriority());
        assertEquals(published, EventFormat.decode(HexFormat.of().parseHex(
                app.fields(app.streams().deployment(), entryId).get("payload"))));
    }

    @Test
    void aFailureGoesBackToTheCaller() {
        DeploymentEvent noDeployment = envelope(EventTypes.DEPLOYMENT_STARTED).clearDeploymentId()
                .setDeploymentStarted(DeploymentStartedEvent.newBuilder().setVersion("1.0.0")).build();

        CamelExecutionException failed = assertThrows(CamelExecutionException.class,
                () -> template.requestBody("direct:publish", noDeployment, String.class));
        assertInstanceOf(InvalidEventException.class, failed.getCause());
    }

    private static DeploymentEvent.Builder envelope(String type) {
        return DeploymentEvent.newBuilder().setType(type).setEventId(UUID.randomUUID().toString())
                .setDeploymentId("dep-" + UUID.randomUUID()).setCorrelationId("corr-" + UUID.randomUUID())
                .setTimestamp(System.currentTimeMillis());
    }
}
