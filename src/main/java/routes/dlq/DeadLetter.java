package routes.dlq;

import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One dead letter: a stream entry a worker gave up on, why, and what became of it.
 *
 * @param id               the DLQ stream entry id (the record's key)
 * @param sourceStream     the stream the entry was read from, and where a replay puts it back
 * @param sourceEntryId    the entry's id on that stream
 * @param group            the consumer group that failed it
 * @param worker           worker category: validator-failures, dependency-check-failures, health-check-failures,
 *                         notification-failures, cdevents-failures
 * @param routeId          the route that failed
 * @param attempts         deliveries tried in this process before giving up (1 = not retried)
 * @param exceptionClass   the failure's exception class
 * @param exceptionMessage the failure's message (and its root cause)
 * @param payload          the original payload bytes, null when the entry had none or was over the size limit
 * @param payloadSize      its length
 * @param replayedAt       when it was last replayed, null if never
 * @param replayCount      how many times it was replayed
 * @param replayEntryId    the entry id the last replay wrote on the source stream
 */
public record DeadLetter(String id, String sourceStream, String sourceEntryId, String group, String worker,
                         String routeId, int attempts, String exceptionClass, String exceptionMessage,
                         Instant firstFailureAt, Instant lastFailureAt, Instant deadLetteredAt, String eventType,
                         String eventId, String deploymentId, String correlationId, byte[] payload, int payloadSize,
                         Instant replayedAt, int replayCount, String replayEntryId) {

    /** The JSON shape of the CLI (--json) and the HTTP API; the payload (base64) only when asked for. */
    public Map<String, Object> toJson(boolean withPayload) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", id);
        json.put("worker", worker);
        json.put("source_stream", sourceStream);
        json.put("source_entry_id", sourceEntryId);
        json.put("group", group);
        json.put("route_id", routeId);
        json.put("attempts", attempts);
        json.put("exception_class", exceptionClass);
        json.put("exception_message", exceptionMessage);
        json.put("first_failure_at", text(firstFailureAt));
        json.put("last_failure_at", text(lastFailureAt));
        json.put("dead_lettered_at", text(deadLetteredAt));
        json.put("event_type", eventType);
        json.put("event_id", eventId);
        json.put("deployment_id", deploymentId);
        json.put("correlation_id", correlationId);
        json.put("payload_size", payloadSize);
        if (withPayload) {
            json.put("payload_base64", payload == null ? null : Base64.getEncoder().encodeToString(payload));
        }
        json.put("replayed_at", text(replayedAt));
        json.put("replay_count", replayCount);
        json.put("replay_entry_id", replayEntryId);
        return json;
    }

    private static String text(Instant instant) {
        return instant == null ? null : instant.toString();
    }
}
