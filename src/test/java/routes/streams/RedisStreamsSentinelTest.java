package routes.streams;

import java.time.Duration;
import java.util.List;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import routes.events.EntryLayout;
import routes.support.RedisSentinels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * The component through Sentinel (a master, a replica, three sentinels): events flow, and after the master is killed
 * (SIGKILL) the consumer goes on reading on the replica the sentinels promote, without redelivering what it acked.
 */
class RedisStreamsSentinelTest extends StreamsTestSupport {

    private static RedisSentinels sentinels;

    @BeforeAll
    static void startSentinels() {
        sentinels = RedisSentinels.start();
    }

    @AfterAll
    static void stopSentinels() {
        sentinels.close();
    }

    /** Database 2: the component must read the database the URL names, not the master's 0. */
    @Override
    protected String redisUrl() {
        return sentinels.url().replace("#", "/2#");
    }

    @Test
    void eventsFlowThroughTheMasterTheSentinelsName() throws Exception {
        Received received = consume("consumerName=one&blockTimeout=300");
        List<String> ids = addEvents(2);
        template.sendBody("redis-streams:" + stream, EntryLayout.entryOf(event("by-the-producer")));

        received.awaitSize(3);
        assertEquals(ids, received.entryIds().subList(0, 2));
        await("acked", () -> pendingIds().isEmpty());
        assertEquals(List.of(group), groupNames());
    }

    @Test
    void resumesOnThePromotedReplicaAfterTheMasterIsKilled() throws Exception {
        Received received = consume("consumerName=survivor&blockTimeout=300&maxReconnectDelay=1000");
        List<String> before = addEvents(2);
        received.awaitSize(2);
        await("acked before the failover", () -> pendingIds().isEmpty());
        sentinels.awaitReplicaInSync(Duration.ofSeconds(10));

        int oldMaster = sentinels.masterPort();
        sentinels.master().kill();
        sentinels.awaitFailover(oldMaster, Duration.ofSeconds(30));
        assertNotEquals(oldMaster, sentinels.masterPort());

        RedisClient client = RedisClient.create(redisUrl());
        try (StatefulRedisConnection<byte[], byte[]> promoted = client.connect(ByteArrayCodec.INSTANCE)) {
            String after = promoted.sync().xadd(bytes(stream), EntryLayout.entryOf(event("after")));
            template.sendBody("redis-streams:" + stream, EntryLayout.entryOf(event("by-the-producer")));

            received.awaitSize(4);
            assertEquals(List.of(before.get(0), before.get(1), after), received.entryIds().subList(0, 3),
                    "no redelivery of what was acked before the failover");
            await("acked on the promoted replica", () -> promoted.sync().xpending(bytes(stream), bytes(group)).getCount() == 0);
            sleep(500);
            assertEquals(4, received.size());
        } finally {
            client.shutdown();
        }
    }
}
