package routes.streams;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.lettuce.core.Consumer;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.XReadArgs.StreamOffset;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import routes.events.EntryLayout;
import routes.support.RedisCluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The component on a real three-master Redis Cluster: one endpoint reads streams on different slots and nodes (one
 * XREADGROUP of them all would fail CROSSSLOT), groups are created on each, acks and claims reach the right node, and
 * a stream whose slot moves to another node goes on being read.
 */
class RedisStreamsClusterTest extends StreamsTestSupport {

    private static RedisCluster cluster;

    private StatefulRedisClusterConnection<byte[], byte[]> raw;

    @BeforeAll
    static void startCluster() {
        cluster = RedisCluster.start();
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    @Override
    protected String redisUrl() {
        return cluster.url();
    }

    @Override
    protected void doPostTearDown() throws Exception {
        if (raw != null) {
            raw.close();
        }
        super.doPostTearDown();
    }

    /** Routed by key, as any cluster client: follows MOVED. */
    private RedisAdvancedClusterCommands<byte[], byte[]> clusterRedis() {
        if (raw == null) {
            raw = ((RedisClusterClient) factory.getRequiredNativeClient()).connect(ByteArrayCodec.INSTANCE);
        }
        return raw.sync();
    }

    @Test
    void oneEndpointReadsStreamsOnDifferentSlotsAndNodes() throws Exception {
        // One stream on each node, and one sharing the first one's slot through a hash tag.
        List<String> streams = new ArrayList<>();
        Set<Integer> nodes = new HashSet<>();
        for (int i = 0; nodes.size() < 3; i++) {
            String name = stream + ":" + i;
            if (nodes.add(cluster.nodeOf(name))) {
                streams.add(name);
            }
        }
        streams.add("{" + streams.get(0) + "}:tagged");
        assertEquals(SlotHash.getSlot(streams.get(0)), SlotHash.getSlot(streams.get(3)));
        Received received = new Received();
        routes(r -> r.from("redis-streams:" + String.join(",", streams) + "?group=" + group
                + "&consumerName=one&blockTimeout=300").process(received::add));

        List<String> ids = new ArrayList<>();
        for (String name : streams) {
            ids.add(add(name, "on-" + name));
        }
        template.sendBody("redis-streams:" + streams.get(1), EntryLayout.entryOf(event("by-the-producer")));

        received.awaitSize(streams.size() + 1);
        assertTrue(received.entryIds().containsAll(ids), received.entryIds().toString());
        assertEquals(new HashSet<>(streams), new HashSet<>(received.all().stream()
                .map(e -> e.getIn().getHeader(RedisStreamsConstants.STREAM, String.class)).toList()));
        for (String name : streams) {
            assertEquals(List.of(group), groupsOf(name), "group created on " + name);
            await("acks on " + name, () -> pendingOf(name) == 0);
        }
        assertTrue(received.all().stream().allMatch(e -> "one".equals(e.getIn().getHeader(RedisStreamsConstants.CONSUMER))),
                "every slot's reader is consumer 'one'");
    }

    @Test
    void claimsADeadConsumersEntriesOnTheStreamsNode() throws Exception {
        byte[] key = bytes(stream);
        clusterRedis().xgroupCreate(StreamOffset.from(key, "0"), bytes(group), XGroupCreateArgs.Builder.mkstream());
        List<String> ids = List.of(add(stream, "d1"), add(stream, "d2"));
        clusterRedis().xreadgroup(Consumer.from(bytes(group), bytes("dead")), XReadArgs.Builder.count(2),
                StreamOffset.lastConsumed(key));

        Received received = consume("consumerName=live&claimIdleTime=500&claimInterval=300&blockTimeout=200");

        assertEquals(ids, received.awaitSize(2).entryIds());
        received.all().forEach(e -> assertEquals(2L, e.getIn().getHeader(RedisStreamsConstants.DELIVERY_COUNT)));
        await("claimed entries acked", () -> pendingOf(stream) == 0);
        RedisStreamsConsumer consumer = (RedisStreamsConsumer) context.getRoutes().get(0).getConsumer();
        assertEquals(2, consumer.getClaimedEntries(stream));
    }

    @Test
    void goesOnReadingAStreamWhoseSlotMovedToAnotherNode() throws Exception {
        Received received = consume("consumerName=mover&blockTimeout=300");
        String before = add(stream, "before");
        received.awaitSize(1);

        int from = cluster.nodeOf(stream);
        int to = cluster.moveSlotOf(stream);
        assertTrue(from != to);
        String after = add(stream, "after");
        template.sendBody("redis-streams:" + stream, EntryLayout.entryOf(event("by-the-producer")));

        received.awaitSize(3);
        assertEquals(List.of(before, after), received.entryIds().subList(0, 2));
        await("acked on the new node", () -> pendingOf(stream) == 0);
        assertEquals(List.of(group), groupsOf(stream), "the group moved with the stream");
    }

    private String add(String name, String deploymentId) {
        return clusterRedis().xadd(bytes(name), EntryLayout.entryOf(event(deploymentId)));
    }

    private long pendingOf(String name) {
        return clusterRedis().xpending(bytes(name), bytes(group)).getCount();
    }

    @SuppressWarnings("unchecked")
    private List<String> groupsOf(String name) {
        List<String> groups = new ArrayList<>();
        for (Object info : clusterRedis().xinfoGroups(bytes(name))) {
            List<Object> fields = (List<Object>) info;
            for (int i = 0; i + 1 < fields.size(); i += 2) {
                if ("name".equals(text(fields.get(i)))) {
                    groups.add(text(fields.get(i + 1)));
                }
            }
        }
        return groups;
    }

    private static String text(Object value) {
        return value instanceof byte[] b ? new String(b, java.nio.charset.StandardCharsets.UTF_8) : String.valueOf(value);
    }
}
