package routes.events;

import java.util.UUID;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.ProducerTemplate;
import routes.events.proto.DependencyCheckCompletedEvent;
import routes.events.proto.DependencyCheckStartedEvent;
import routes.events.proto.DeploymentCompletedEvent;
import routes.events.proto.DeploymentEvent;
import routes.events.proto.DeploymentFailedEvent;
import routes.events.proto.DeploymentStageCompletedEvent;
import routes.events.proto.DeploymentStageStartedEvent;
import routes.events.proto.DeploymentStartedEvent;
import routes.events.proto.HealthCheckCompletedEvent;
import routes.events.proto.HealthCheckStartedEvent;
import routes.events.proto.RollbackCompletedEvent;
import routes.events.proto.RollbackInitiatedEvent;
import routes.events.proto.ValidationCompletedEvent;
import routes.events.proto.ValidationStartedEvent;
import routes.streams.RedisStreamsConstants;

/**
 * Publishes deployment events on the stream of their type. Fills what every event needs (event id, timestamp,
 * priority, correlation id: propagated when given, generated when not) and returns the new entry id.
 * Routes publish through {@code direct:publish}, whose step {@link #toEntry} makes the event the entry that the
 * route's redis-streams producer writes. Java calls the typed methods, which write the same entry to the same stream
 * themselves: they also serve where no routes run (the command line's publish).
 */
public class EventPublisher {

    /** Header naming the stream {@link #toEntry} chose for the entry in the body. */
    public static final String STREAM = "PrinteryPublishStream";

    private final ProducerTemplate template;
    private final Streams streams;

    public EventPublisher(CamelContext context, Streams streams) {
        this.template = context.createProducerTemplate();
        this.streams = streams;
    }

    public Streams streams() {
        return streams;
    }

    public String publishDeploymentStarted(String deploymentId, String correlationId, DeploymentStartedEvent payload) {
        return publish(envelope(EventTypes.DEPLOYMENT_STARTED, deploymentId, correlationId).setDeploymentStarted(payload));
    }

    public String publishStageStarted(String deploymentId, String correlationId, DeploymentStageStartedEvent payload) {
        return publish(envelope(EventTypes.stageStarted(payload.getStage()), deploymentId, correlationId).setStageStarted(payload));
    }

    public String publishStageCompleted(String deploymentId, String correlationId, DeploymentStageCompletedEvent payload) {
        return publish(envelope(EventTypes.stageCompleted(payload.getStage()), deploymentId, correlationId).setStageCompleted(payload));
    }

    public String publishDeploymentCompleted(String deploymentId, String correlationId, DeploymentCompletedEvent payload) {
        return publish(envelope(EventTypes.DEPLOYMENT_COMPLETED, deploymentId, correlationId).setDeploymentCompleted(payload));
    }

    public String publishDeploymentFailed(String deploymentId, String correlationId, DeploymentFailedEvent payload) {
        return publish(envelope(EventTypes.DEPLOYMENT_FAILED, deploymentId, correlationId).setDeploymentFailed(payload));
    }

    public String publishRollbackInitiated(String deploymentId, String correlationId, RollbackInitiatedEvent payload) {
        return publish(envelope(EventTypes.ROLLBACK_INITIATED, deploymentId, correlationId).setRollbackInitiated(payload));
    }

    public String publishRollbackCompleted(String deploymentId, String correlationId, RollbackCompletedEvent payload) {
        return publish(envelope(EventTypes.ROLLBACK_COMPLETED, deploymentId, correlationId).setRollbackCompleted(payload));
    }

    public String publishValidationStarted(String deploymentId, String correlationId, ValidationStartedEvent payload) {
        return publish(envelope(EventTypes.VALIDATION_STARTED, deploymentId, correlationId).setValidationStarted(payload));
    }

    public String publishValidationCompleted(String deploymentId, String correlationId, ValidationCompletedEvent payload) {
        return publish(envelope(EventTypes.VALIDATION_COMPLETED, deploymentId, correlationId).setValidationCompleted(payload));
    }

    public String publishDependencyCheckStarted(String deploymentId, String correlationId, DependencyCheckStartedEvent payload) {
        return publish(envelope(EventTypes.DEPENDENCY_CHECK_STARTED, deploymentId, correlationId).setDependencyCheckStarted(payload));
    }

    public String publishDependencyCheckCompleted(String deploymentId, String correlationId, DependencyCheckCompletedEvent payload) {
        return publish(envelope(EventTypes.DEPENDENCY_CHECK_COMPLETED, deploymentId, correlationId).setDependencyCheckCompleted(payload));
    }

    public String publishHealthCheckStarted(String deploymentId, String correlationId, HealthCheckStartedEvent payload) {
        return publish(envelope(EventTypes.HEALTH_CHECK_STARTED, deploymentId, correlationId).setHealthCheckStarted(payload));
    }

    public String publishHealthCheckCompleted(String deploymentId, String correlationId, HealthCheckCompletedEvent payload) {
        return publish(envelope(EventTypes.HEALTH_CHECK_COMPLETED, deploymentId, correlationId).setHealthCheckCompleted(payload));
    }

    /** Publishes an event built elsewhere, filling the envelope fields it lacks. */
    public String publish(DeploymentEvent.Builder event) {
        DeploymentEvent built = completed(event);
        Exchange result = template.send("redis-streams:" + streams.forType(built.getType()),
                e -> e.getIn().setBody(EntryLayout.entryOf(built)));
        if (result.getException() != null) {
            throw new EventPublishException("could not publish " + built.getType() + " event " + built.getEventId()
                    + " for deployment " + built.getDeploymentId(), result.getException());
        }
        return result.getMessage().getHeader(RedisStreamsConstants.ENTRY_ID, String.class);
    }

    /** Same as {@link #publish(DeploymentEvent.Builder)} for a finished event (its envelope kept where set). */
    public String publish(DeploymentEvent event) {
        return publish(event.toBuilder());
    }

    /**
     * The step of the {@code direct:publish} route before its XADD: the event, its envelope completed as
     * {@link #publish(DeploymentEvent.Builder)} completes it, becomes the body as its entry ({@link EntryLayout}), and
     * header {@link #STREAM} names the stream of its type.
     */
    public void toEntry(DeploymentEvent event, Message message) {
        DeploymentEvent built = completed(event.toBuilder());
        message.setHeader(STREAM, streams.forType(built.getType()));
        message.setBody(EntryLayout.entryOf(built));
    }

    private static DeploymentEvent completed(DeploymentEvent.Builder event) {
        if (event.getEventId().isEmpty()) {
            event.setEventId(UUID.randomUUID().toString());
        }
        if (event.getTimestamp() == 0) {
            event.setTimestamp(System.currentTimeMillis());
        }
        if (event.getCorrelationId().isEmpty()) {
            event.setCorrelationId(UUID.randomUUID().toString());
        }
        event.setPriority(EventTypes.priorityOf(event.getType()));
        return EventTypes.requireValid(event.build());
    }

    private static DeploymentEvent.Builder envelope(String type, String deploymentId, String correlationId) {
        DeploymentEvent.Builder builder = DeploymentEvent.newBuilder().setType(type);
        if (deploymentId != null) {
            builder.setDeploymentId(deploymentId);
        }
        if (correlationId != null) {
            builder.setCorrelationId(correlationId);
        }
        return builder;
    }
}
