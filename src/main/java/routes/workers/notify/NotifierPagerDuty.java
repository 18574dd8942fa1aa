package routes.workers.notify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * PagerDuty Events API v2 trigger for a notification. The dedup key is the deployment id, so every page about
 * one deployment lands on one incident however many events or redeliveries report it.
 */
public class NotifierPagerDuty {

    private final String routingKey;
    private final String source;
    private final ObjectMapper json;

    public NotifierPagerDuty(String routingKey, String source, ObjectMapper json) {
        this.routingKey = routingKey;
        this.source = source;
        this.json = json;
    }

    public String trigger(Notification notification) {
        NotifierMessage message = notification.getMessage();
        ObjectNode event = json.createObjectNode()
                .put("routing_key", routingKey)
                .put("event_action", "trigger")
                .put("dedup_key", message.deploymentId());
        ObjectNode payload = event.putObject("payload")
                .put("summary", truncate(message.subject() + (message.error().isEmpty() ? "" : ": " + message.error()), 1024))
                .put("severity", "critical")
                .put("source", source);
        if (!message.stage().isEmpty()) {
            payload.put("component", message.stage());
        }
        if (!message.environment().isEmpty()) {
            payload.put("group", message.environment());
        }
        payload.put("class", message.eventType());
        payload.putObject("custom_details")
                .put("deployment_id", message.deploymentId())
                .put("version", message.version())
                .put("environment", message.environment())
                .put("status", message.status())
                .put("stage", message.stage())
                .put("error", message.error())
                .put("correlation_id", message.correlationId())
                .put("event_id", message.eventId());
        return event.toString();
    }

    private static String truncate(String value, int max) {
        return value.length() <= max ? value : value.substring(0, max - 1) + "…";
    }
}
