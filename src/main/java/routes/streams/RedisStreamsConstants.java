package routes.streams;

import org.apache.camel.spi.Metadata;

/** Header names set by the consumer and read by the producer, and the field names of the entry layout. */
public final class RedisStreamsConstants {

    @Metadata(label = "consumer", description = "The stream the entry was read from.", javaType = "String")
    public static final String STREAM = "CamelRedisStreamsStream";
    @Metadata(description = "The entry id: read by the consumer, or assigned by XADD in the producer.", javaType = "String")
    public static final String ENTRY_ID = "CamelRedisStreamsEntryId";
    @Metadata(label = "consumer", description = "The consumer group.", javaType = "String")
    public static final String GROUP = "CamelRedisStreamsGroup";
    @Metadata(label = "consumer", description = "The consumer name within the group.", javaType = "String")
    public static final String CONSUMER = "CamelRedisStreamsConsumer";
    @Metadata(label = "consumer", description = "The entry's `type` field.", javaType = "String")
    public static final String EVENT_TYPE = "CamelRedisStreamsEventType";
    @Metadata(label = "consumer", description = "The entry's `event_id` field.", javaType = "String")
    public static final String EVENT_ID = "CamelRedisStreamsEventId";
    @Metadata(label = "consumer", description = "The entry's `deployment_id` field.", javaType = "String")
    public static final String DEPLOYMENT_ID = "CamelRedisStreamsDeploymentId";
    @Metadata(label = "consumer", description = "The entry's `correlation_id` field.", javaType = "String")
    public static final String CORRELATION_ID = "CamelRedisStreamsCorrelationId";
    @Metadata(label = "consumer", description = "How many times the group delivered this entry (1 on first delivery).",
              javaType = "long")
    public static final String DELIVERY_COUNT = "CamelRedisStreamsDeliveryCount";
    @Metadata(label = "consumer",
              description = "Set when the entry breaks the layout (no payload field, fields larger than maxEntryBytes); the body is then null.",
              javaType = "String")
    public static final String ENTRY_ERROR = "CamelRedisStreamsEntryError";
    @Metadata(label = "consumer",
              description = "Any other field of the entry is a header named this prefix and the field's name (e.g."
                      + " CamelRedisStreamsField.source_stream), its value the field's bytes.",
              javaType = "byte[]")
    public static final String FIELD_HEADER_PREFIX = "CamelRedisStreamsField.";

    /** Entry layout: every entry carries these fields; `payload` holds the serialized DeploymentEvent. */
    public static final String FIELD_TYPE = "type";
    public static final String FIELD_EVENT_ID = "event_id";
    public static final String FIELD_DEPLOYMENT_ID = "deployment_id";
    public static final String FIELD_CORRELATION_ID = "correlation_id";
    public static final String FIELD_PAYLOAD = "payload";

    private RedisStreamsConstants() {
    }
}
