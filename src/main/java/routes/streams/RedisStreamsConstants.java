package routes.streams;

import org.apache.camel.spi.Metadata;

/** Header names set by the consumer and by the producer. */
public final class RedisStreamsConstants {

    @Metadata(label = "consumer", description = "The stream the entry was read from.", javaType = "String")
    public static final String STREAM = "CamelRedisStreamsStream";
    @Metadata(description = "The entry id: read by the consumer, or assigned by XADD in the producer.", javaType = "String")
    public static final String ENTRY_ID = "CamelRedisStreamsEntryId";
    @Metadata(label = "consumer", description = "The consumer group.", javaType = "String")
    public static final String GROUP = "CamelRedisStreamsGroup";
    @Metadata(label = "consumer", description = "The consumer name within the group.", javaType = "String")
    public static final String CONSUMER = "CamelRedisStreamsConsumer";
    @Metadata(label = "consumer", description = "How many times the group delivered this entry (1 on first delivery).",
              javaType = "long")
    public static final String DELIVERY_COUNT = "CamelRedisStreamsDeliveryCount";
    @Metadata(label = "consumer",
              description = "Set when the entry cannot be handed over as it is (no bodyField field, fields larger than"
                      + " maxEntryBytes); the body is then null.",
              javaType = "String")
    public static final String ENTRY_ERROR = "CamelRedisStreamsEntryError";
    @Metadata(label = "consumer",
              description = "With bodyField set, each field of the entry that is neither the body nor in fieldHeaders is"
                      + " a header named this prefix and the field's name (e.g. CamelRedisStreamsField.source_stream),"
                      + " its value the field's bytes.",
              javaType = "byte[]")
    public static final String FIELD_HEADER_PREFIX = "CamelRedisStreamsField.";

    private RedisStreamsConstants() {
    }
}
