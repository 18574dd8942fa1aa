package routes.streams;

import java.util.List;
import java.util.Map;

import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.util.json.JsonObject;
import org.apache.camel.util.json.Jsoner;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The descriptor camel-component-maven-plugin generates: found by scheme, every option and header documented. */
class RedisStreamsMetadataTest {

    private static final List<String> OPTIONS = List.of("bodyField", "fieldHeaders", "group", "consumerName",
            "concurrentConsumers", "batchSize", "prefetch", "blockTimeout", "claimIdleTime", "claimInterval", "startId",
            "maxEntryBytes", "maxReconnectDelay", "maxLen");
    private static final List<String> HEADERS = List.of(RedisStreamsConstants.STREAM, RedisStreamsConstants.ENTRY_ID,
            RedisStreamsConstants.GROUP, RedisStreamsConstants.CONSUMER, RedisStreamsConstants.DELIVERY_COUNT,
            RedisStreamsConstants.ENTRY_ERROR, RedisStreamsConstants.FIELD_HEADER_PREFIX);

    @Test
    void describesEveryOptionAndHeader() throws Exception {
        JsonObject descriptor;
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            String json = context.getComponentParameterJsonSchema("redis-streams");
            assertNotNull(json, "redis-streams.json next to the component class");
            descriptor = (JsonObject) Jsoner.deserialize(json);
        }
        assertEquals(RedisStreamsComponent.class.getName(), descriptor.getMap("component").get("javaType"));
        Map<String, Object> endpoint = descriptor.getMap("properties");
        Map<String, Object> component = descriptor.getMap("componentProperties");
        Map<String, Object> headers = descriptor.getMap("headers");
        assertTrue(endpoint.containsKey("streams"));
        for (String option : OPTIONS) {
            assertTrue(endpoint.containsKey(option), "endpoint option " + option);
            assertTrue(component.containsKey(option), "component default " + option);
        }
        for (String header : HEADERS) {
            assertTrue(headers.containsKey(header), "header " + header);
        }
        for (Map<String, Object> group : List.of(endpoint, component, headers)) {
            group.forEach((name, model) -> assertFalse(String.valueOf(((Map<?, ?>) model).get("description")).isBlank(),
                    name + " is documented"));
        }
    }
}
