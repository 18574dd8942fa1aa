package routes.app;

import java.util.List;

import io.lettuce.core.RedisURI;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.RedisClusterConfiguration;
import org.springframework.data.redis.connection.RedisNode;
import org.springframework.data.redis.connection.RedisSentinelConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import routes.support.Ports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RedisUrlTest {

    @Test
    void aClusterUrlListsItsSeedNodesWithTheCredentialsOnEach() {
        List<RedisURI> nodes = RedisUrl.parse("redis-cluster://ops:s%40cret@10.0.0.1:7000,10.0.0.2:7001,h3:7002");
        assertEquals(3, nodes.size());
        assertEquals(List.of("10.0.0.1:7000", "10.0.0.2:7001", "h3:7002"),
                nodes.stream().map(n -> n.getHost() + ":" + n.getPort()).toList());
        for (RedisURI node : nodes) {
            assertEquals("ops", node.getUsername());
            assertEquals("s@cret", new String(node.getPassword()));
            assertFalse(node.isSsl());
        }
        assertTrue(RedisUrl.isCluster("redis-cluster://h:1"));
        assertFalse(RedisUrl.isCluster("redis://h:1"));
    }

    @Test
    void rediss_clusterIsTlsAndAPasswordAloneNeedsNoUser() {
        List<RedisURI> nodes = RedisUrl.parse("rediss-cluster://pw@h1:7000,h2");
        assertTrue(nodes.stream().allMatch(RedisURI::isSsl));
        assertEquals(6379, nodes.get(1).getPort());
        assertNull(nodes.get(0).getUsername());
        assertEquals("pw", new String(nodes.get(0).getPassword()));
    }

    @Test
    void aSentinelUrlNamesItsSentinelsMasterAndDatabase() {
        RedisURI uri = RedisUrl.parse("redis-sentinel://pw@127.0.0.1:26379,127.0.0.1:26380/2#printery").get(0);
        assertEquals("printery", uri.getSentinelMasterId());
        assertEquals(2, uri.getSentinels().size());
        assertEquals(2, uri.getDatabase());
        assertFalse(RedisUrl.isCluster("redis-sentinel://h:1#m"));
    }

    @Test
    void theFactoryIsAClusterOrSentinelFactoryForThoseUrls() {
        LettuceConnectionFactory cluster = PrinteryConfiguration.connectionFactory("redis-cluster://:pw@h1:7000,h2:7001");
        RedisClusterConfiguration clusterConfiguration = cluster.getClusterConfiguration();
        assertNotNull(clusterConfiguration);
        assertEquals(List.of("h1:7000", "h2:7001"), clusterConfiguration.getClusterNodes().stream()
                .map(RedisNode::asString).toList());
        assertEquals("pw", new String(clusterConfiguration.getPassword().get()));
        var options = (io.lettuce.core.cluster.ClusterClientOptions) cluster.getClientConfiguration().getClientOptions()
                .orElseThrow();
        assertTrue(options.getTopologyRefreshOptions().isPeriodicRefreshEnabled());
        assertEquals(30, options.getTopologyRefreshOptions().getRefreshPeriod().toSeconds());
        assertFalse(options.getTopologyRefreshOptions().getAdaptiveRefreshTriggers().isEmpty());

        LettuceConnectionFactory sentinel = PrinteryConfiguration.connectionFactory("redis-sentinel://h1:26379,h2:26380/1#main");
        RedisSentinelConfiguration sentinelConfiguration = sentinel.getSentinelConfiguration();
        assertNotNull(sentinelConfiguration);
        assertEquals("main", sentinelConfiguration.getMaster().getName());
        assertEquals(2, sentinelConfiguration.getSentinels().size());
        assertEquals(1, sentinelConfiguration.getDatabase());
        assertNull(sentinel.getClusterConfiguration());

        LettuceConnectionFactory standalone = PrinteryConfiguration.connectionFactory("redis://:pw@h:6380/3");
        assertEquals("h", standalone.getStandaloneConfiguration().getHostName());
        assertEquals(6380, standalone.getStandaloneConfiguration().getPort());
        assertEquals(3, standalone.getStandaloneConfiguration().getDatabase());
        assertNull(standalone.getSentinelConfiguration());
    }

    @Test
    void aMalformedClusterOrSentinelUrlIsOneLineNamingTheProblemWithoutThePassword() {
        assertProblem("redis-cluster://:s3cret@h1:7000,h2:notaport", "port 'notaport' is not a number");
        assertProblem("redis-cluster://:s3cret@h1:7000,,h2:7001", "no host");
        assertProblem("redis-cluster://", "Expected authority");
        assertProblem("redis-cluster://:s3cret@h1:7000/2", "a cluster URL takes no /database");
        assertProblem("redis-cluster://h1:7000#master", "a cluster URL takes no /database, ?options or #master");
        assertProblem("redis-sentinel://:s3cret@h1:26379,h2:26380", "sentinelMasterId");
        assertProblem("redis-sentinel://:s3cret@h1:26379,h2:99999#m", "port '99999'");
        assertProblem("redis-clusters://h1:7000", "scheme 'redis-clusters' is not one of");
    }

    @Test
    void anUnreachableClusterIsOneLineWithoutThePassword() {
        String url = "redis-cluster://:s3cret@127.0.0.1:" + Ports.free() + ",127.0.0.1:" + Ports.free();
        var e = assertThrows(RedisUrl.RedisUnreachableException.class, () -> RedisUrl.requireReachable(url));
        assertTrue(e.getMessage().startsWith("cannot reach Redis at redis-cluster://****@127.0.0.1:"), e.getMessage());
        assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    private static void assertProblem(String url, String problem) {
        var e = assertThrows(RedisUrl.InvalidRedisUrlException.class, () -> RedisUrl.parse(url));
        String message = e.getMessage();
        assertTrue(message.contains(problem), message);
        assertTrue(message.startsWith("Redis URL '"), message);
        assertFalse(message.contains("s3cret"), message);
        assertFalse(message.contains("\n"), message);
    }
}
