package routes.events;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import routes.events.proto.DeploymentEvent;

/**
 * Printery's stream entry: plain-string fields for filtering and redis-cli, then the serialized event. The
 * redis-streams component maps these fields to the headers below and the payload to the body as application.properties
 * configures it (camel.component.redis-streams.bodyField and fieldHeaders), so the two must agree.
 */
public final class EntryLayout {

    public static final String FIELD_TYPE = "type";
    public static final String FIELD_EVENT_ID = "event_id";
    public static final String FIELD_DEPLOYMENT_ID = "deployment_id";
    public static final String FIELD_CORRELATION_ID = "correlation_id";
    /** The serialized DeploymentEvent. */
    public static final String FIELD_PAYLOAD = "payload";

    /** Header of a consumed entry's type field. */
    public static final String EVENT_TYPE = "CamelRedisStreamsEventType";
    /** Header of a consumed entry's event_id field. */
    public static final String EVENT_ID = "CamelRedisStreamsEventId";
    /** Header of a consumed entry's deployment_id field. */
    public static final String DEPLOYMENT_ID = "CamelRedisStreamsDeploymentId";
    /** Header of a consumed entry's correlation_id field. */
    public static final String CORRELATION_ID = "CamelRedisStreamsCorrelationId";

    private EntryLayout() {
    }

    /** The entry of one event, fields in layout order, for the redis-streams producer or a raw XADD. */
    public static Map<byte[], byte[]> entryOf(DeploymentEvent event) {
        Map<byte[], byte[]> fields = new LinkedHashMap<>(8);
        fields.put(utf8(FIELD_TYPE), utf8(event.getType()));
        fields.put(utf8(FIELD_EVENT_ID), utf8(event.getEventId()));
        fields.put(utf8(FIELD_DEPLOYMENT_ID), utf8(event.getDeploymentId()));
        fields.put(utf8(FIELD_CORRELATION_ID), utf8(event.getCorrelationId()));
        fields.put(utf8(FIELD_PAYLOAD), event.toByteArray());
        return fields;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
