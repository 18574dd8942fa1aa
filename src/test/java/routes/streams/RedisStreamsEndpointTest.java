package routes.streams;

import java.util.List;

import org.apache.camel.ResolveEndpointFailedException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * URI options: discoverable by scheme, durations as numbers or time patterns, clear errors for what is missing.
 * Routes come as lambdas: a RouteBuilder class under package routes would be picked up by Camel Main's package
 * scan in other tests.
 */
class RedisStreamsEndpointTest extends StreamsTestSupport {

    @Test
    void readsEveryOption() {
        RedisStreamsEndpoint endpoint = context.getEndpoint("redis-streams:a, b?group=g&consumerName=c&concurrentConsumers=3"
                + "&batchSize=50&blockTimeout=2s&claimIdleTime=1m&claimInterval=500&startId=$&maxEntryBytes=4096"
                + "&maxReconnectDelay=3s&maxLen=1000", RedisStreamsEndpoint.class);

        RedisStreamsConfiguration config = endpoint.getConfiguration();
        assertEquals(List.of("a", "b"), endpoint.getStreamList());
        assertEquals("g", config.getGroup());
        assertEquals("c", config.getConsumerName());
        assertEquals(3, config.getConcurrentConsumers());
        assertEquals(50, config.getBatchSize());
        assertEquals(2000, config.getBlockTimeout());
        assertEquals(60_000, config.getClaimIdleTime());
        assertEquals(500, config.getClaimInterval());
        assertEquals("$", config.getStartId());
        assertEquals(4096, config.getMaxEntryBytes());
        assertEquals(3000, config.getMaxReconnectDelay());
        assertEquals(1000, config.getMaxLen());
    }

    @Test
    void refusesAConsumerWithoutGroup() {
        Exception e = assertThrows(Exception.class, () -> routes(r -> r.from("redis-streams:" + stream).to("log:x")));
        assertTrue(rootMessage(e).contains("needs the group option"), rootMessage(e));
    }

    @Test
    void refusesABlockThatNeverEnds() {
        Exception e = assertThrows(Exception.class,
                () -> routes(r -> r.from("redis-streams:" + stream + "?group=g&blockTimeout=0").to("log:x")));
        assertTrue(rootMessage(e).contains("needs blockTimeout > 0"), rootMessage(e));
    }

    @Test
    void refusesAnEndpointWithoutStream() {
        ResolveEndpointFailedException e = assertThrows(ResolveEndpointFailedException.class,
                () -> context.getEndpoint("redis-streams:?group=g"));
        assertTrue(rootMessage(e).contains("needs at least one stream name"), rootMessage(e));
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getMessage();
    }
}
