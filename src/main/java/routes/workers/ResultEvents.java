package routes.workers;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

import routes.events.proto.DeploymentEvent;

/**
 * Result events derive their ids from the event that triggered them, so a redelivered
 * trigger that is checked again republishes under the same ids and consumers that deduplicate by event id (the
 * notifier) drop the repeat.
 */
final class ResultEvents {

    private ResultEvents() {
    }

    static DeploymentEvent.Builder envelope(DeploymentEvent trigger, String type) {
        String id = UUID.nameUUIDFromBytes((trigger.getEventId() + "/" + type).getBytes(StandardCharsets.UTF_8)).toString();
        return DeploymentEvent.newBuilder().setType(type).setEventId(id).setDeploymentId(trigger.getDeploymentId())
                .setCorrelationId(trigger.getCorrelationId());
    }
}
