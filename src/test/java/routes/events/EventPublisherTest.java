package routes.events;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import org.apache.camel.spi.Registry;
import org.apache.camel.test.junit5.CamelTestSupport;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import routes.app.PrinteryConfiguration;
import routes.events.proto.DeploymentEvent;
import routes.events.proto.Priority;
import routes.support.RedisServer;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each typed publish method lands on its type's stream, in the entry layout, with the envelope filled in. */
class EventPublisherTest extends CamelTestSupport {

    private final String prefix = "test:publisher:" + UUID.randomUUID() + ":";
    private final Streams streams = new Streams(prefix + "deployment", prefix + "validation", prefix + "dependency",
            prefix + "health", prefix + "dlq");
    private LettuceConnectionFactory factory;

    @Override
    protected void bindToRegistry(Registry registry) {
        factory = PrinteryConfiguration.connectionFactory(RedisServer.shared().url());
        factory.afterPropertiesSet();
        registry.bind("redisConnectionFactory", factory);
    }

    /** Runs before CamelTestSupport stops the context, so stop it here: the factory must outlive it. */
    @Override
    protected void doPostTearDown() throws Exception {
        context.stop();
        factory.destroy();
        super.doPostTearDown();
    }

    @Test
    void publishesEveryTypeOnItsStreamWithItsPriority() {
        EventPublisher publisher = new EventPublisher(context, streams);
        Map<String, Function<String, String>> publishes = Map.ofEntries(
                Map.entry(EventTypes.DEPLOYMENT_STARTED, c -> publisher.publishDeploymentStarted("dep-1", c, payloadOf(0).getDeploymentStarted())),
                Map.entry(EventTypes.stageStarted("railway"), c -> publisher.publishStageStarted("dep-1", c, payloadOf(1).getStageStarted())),
                Map.entry(EventTypes.stageCompleted("railway"), c -> publisher.publishStageCompleted("dep-1", c, payloadOf(2).getStageCompleted())),
                Map.entry(EventTypes.DEPLOYMENT_COMPLETED, c -> publisher.publishDeploymentCompleted("dep-1", c, payloadOf(3).getDeploymentCompleted())),
                Map.entry(EventTypes.DEPLOYMENT_FAILED, c -> publisher.publishDeploymentFailed("dep-1", c, payloadOf(4).getDeploymentFailed())),
                Map.entry(EventTypes.ROLLBACK_INITIATED, c -> publisher.publishRollbackInitiated("dep-1", c, payloadOf(5).getRollbackInitiated())),
                Map.entry(EventTypes.ROLLBACK_COMPLETED, c -> publisher.publishRollbackCompleted("dep-1", c, payloadOf(6).getRollbackCompleted())),
                Map.entry(EventTypes.VALIDATION_STARTED, c -> publisher.publishValidationStarted("dep-1", c, payloadOf(7).getValidationStarted())),
                Map.entry(EventTypes.VALIDATION_COMPLETED, c -> publisher.publishValidationCompleted("dep-1", c, payloadOf(8).getValidationCompleted())),
                Map.entry(EventTypes.DEPENDENCY_CHECK_STARTED, c -> publisher.publishDependencyCheckStarted("dep-1", c, payloadOf(9).getDependencyCheckStarted())),
                Map.entry(EventTypes.DEPENDENCY_CHECK_COMPLETED, c -> publisher.publishDependencyCheckCompleted("dep-1", c, payloadOf(10).getDependencyCheckCompleted())),
                Map.entry(EventTypes.HEALTH_CHECK_STARTED, c -> publisher.publishHealthCheckStarted("dep-1", c, payloadOf(11).getHealthCheckStarted())),
                Map.entry(EventTypes.HEALTH_CHECK_COMPLETED, c -> publisher.publishHealthCheckCompleted("dep-1", c, payloadOf(12).getHealthCheckCompleted())));
        assertEquals(13, publishes.size());

        publishes.forEach((type, publish) -> {
            String id = publish.apply("corr-1");
            DeploymentEvent event = readBack(streams.forType(type), id, type);
            Priority expected = switch (type) {
                case EventTypes.DEPLOYMENT_FAILED, EventTypes.ROLLBACK_INITIATED, EventTypes.ROLLBACK_COMPLETED -> Priority.PRIORITY_CRITICAL;
                default -> EventTypes.isStageStarted(type) || EventTypes.isStageCompleted(type)
                        ? Priority.PRIORITY_HIGH : Priority.PRIORITY_NORMAL;
            };
            assertEquals(expected, event.getPriority(), type);
            assertEquals("corr-1", event.getCorrelationId(), type);
            assertEquals(EventTypes.payloadOf(type), event.getPayloadCase(), type);
        });
        assertEquals(prefix + "validation", streams.forType(EventTypes.VALIDATION_COMPLETED));
        assertEquals(prefix + "dependency", streams.forType(EventTypes.DEPENDENCY_CHECK_STARTED));
        assertEquals(prefix + "health", streams.forType(EventTypes.HEALTH_CHECK_COMPLETED));
        assertEquals(prefix + "deployment", streams.forType(EventTypes.ROLLBACK_COMPLETED));
    }

    @Test
    void generatesACorrelationIdWhenNoneIsGiven() {
        EventPublisher publisher = new EventPublisher(context, streams);

        String first = publisher.publishDeploymentStarted("dep-2", null, payloadOf(0).getDeploymentStarted());
        String second = publisher.publishDeploymentStarted("dep-2", "", payloadOf(0).getDeploymentStarted());

        DeploymentEvent a = readBack(streams.deployment(), first, EventTypes.DEPLOYMENT_STARTED);
        DeploymentEvent b = readBack(streams.deployment(), second, EventTypes.DEPLOYMENT_STARTED);
        assertDoesNotThrow(() -> UUID.fromString(a.getCorrelationId()));
        assertDoesNotThrow(() -> UUID.fromString(b.getCorrelationId()));
        assertNotEquals(a.getCorrelationId(), b.getCorrelationId());
        assertNotEquals(a.getEventId(), b.getEventId());
    }

    private static DeploymentEvent payloadOf(int index) {
        return EventTypesTest.oneOfEach().get(index);
    }

    /** Reads the entry back and checks the layout fields agree with the payload's envelope. */
    private DeploymentEvent readBack(String stream, String id, String type) {
        try (StatefulRedisConnection<byte[], byte[]> connection = ((RedisClient) factory.getRequiredNativeClient())
                .connect(ByteArrayCodec.INSTANCE)) {
            List<StreamMessage<byte[], byte[]>> entries = connection.sync().xrange(stream.getBytes(), Range.create(id, id));
            assertEquals(1, entries.size(), type + " entry " + id + " on " + stream);
            Map<String, String> fields = new HashMap<>();
            byte[][] payload = new byte[1][];
            entries.get(0).getBody().forEach((k, v) -> {
                if ("payload".equals(new String(k))) {
                    payload[0] = v;
                } else {
                    fields.put(new String(k), new String(v));
                }
            });
            DeploymentEvent event = EventFormat.decode(payload[0]);
            assertEquals(type, event.getType());
            assertEquals(Map.of("type", type, "event_id", event.getEventId(), "deployment_id", event.getDeploymentId(),
                    "correlation_id", event.getCorrelationId()), fields, type);
            assertTrue(event.getTimestamp() > 0, type);
            assertDoesNotThrow(() -> UUID.fromString(event.getEventId()));
            return event;
        }
    }
}
