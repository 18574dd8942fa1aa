package routes.support;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import io.lettuce.core.MigrateArgs;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.SlotHash;
import org.awaitility.Awaitility;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real Redis Cluster of three masters (no replicas), each a private redis-server on a free port, slots split in
 * three ranges as redis-cli --cluster create would; started once cluster_state is ok on every node.
 */
public final class RedisCluster implements AutoCloseable {

    private static final int[][] RANGES = {{0, 5460}, {5461, 10922}, {10923, 16383}};

    private final List<RedisServer> nodes = new ArrayList<>();
    private final RedisClient client = RedisClient.create();
    private final Map<Integer, StatefulRedisConnection<String, String>> connections = new HashMap<>();

    private RedisCluster() {
    }

    public static RedisCluster start() {
        RedisCluster cluster = new RedisCluster();
        try {
            for (int i = 0; i < RANGES.length; i++) {
                cluster.nodes.add(RedisServer.startPrivate("--cluster-enabled", "yes", "--cluster-node-timeout", "2000"));
            }
            for (int i = 0; i < RANGES.length; i++) {
                cluster.node(i).clusterAddSlotsRange(Range.create(RANGES[i][0], RANGES[i][1]));
            }
            for (int i = 1; i < RANGES.length; i++) {
                cluster.node(0).clusterMeet("127.0.0.1", cluster.nodes.get(i).port());
            }
            cluster.awaitConsistent();
            return cluster;
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    /** redis-cluster://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3 */
    public String url() {
        return "redis-cluster://" + nodes.stream().map(n -> "127.0.0.1:" + n.port()).collect(Collectors.joining(","));
    }

    /** Commands on one node (not routed: a key of another node's slot answers MOVED). */
    public synchronized RedisCommands<String, String> node(int index) {
        return connections.computeIfAbsent(index, i -> client.connect(
                RedisURI.create("redis://127.0.0.1:" + nodes.get(i).port()))).sync();
    }

    /** The index of the node serving the key's slot. */
    public int nodeOf(String key) {
        int slot = SlotHash.getSlot(key);
        for (int i = 0; i < RANGES.length; i++) {
            String owner = node(i).clusterNodes().lines().filter(l -> l.contains("myself")).findFirst().orElseThrow();
            if (serves(owner, slot)) {
                return i;
            }
        }
        throw new IllegalStateException("no node serves slot " + slot);
    }

    /**
     * Moves the key's slot, with its keys, to another node as redis-cli --cluster reshard does (IMPORTING, MIGRATING,
     * MIGRATE, SETSLOT NODE everywhere); returns the index of the node that serves it now.
     */
    public int moveSlotOf(String key) {
        int slot = SlotHash.getSlot(key);
        int from = nodeOf(key);
        int to = (from + 1) % nodes.size();
        String fromId = node(from).clusterMyId();
        String toId = node(to).clusterMyId();
        node(to).clusterSetSlotImporting(slot, fromId);
        node(from).clusterSetSlotMigrating(slot, toId);
        List<String> keys;
        while (!(keys = node(from).clusterGetKeysInSlot(slot, 100)).isEmpty()) {
            node(from).migrate("127.0.0.1", nodes.get(to).port(), 0, 5000, MigrateArgs.Builder.keys(keys));
        }
        for (int i = 0; i < nodes.size(); i++) {
            node(i).clusterSetSlotNode(slot, toId);
        }
        awaitConsistent();
        return to;
    }

    private void awaitConsistent() {
        Awaitility.await("the cluster settles").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                .untilAsserted(() -> assertTrue(consistent(), () -> node(0).clusterInfo()));
    }

    /** Every node says ok and knows every other, and all agree on which node serves which slots. */
    private boolean consistent() {
        String first = null;
        for (int i = 0; i < nodes.size(); i++) {
            RedisCommands<String, String> node = node(i);
            String info = node.clusterInfo();
            if (!info.contains("cluster_state:ok") || !info.contains("cluster_known_nodes:" + nodes.size())) {
                return false;
            }
            String slots = node.clusterNodes().lines().map(l -> {
                String[] f = l.split(" ");
                return f[1].replaceAll("@.*", "") + " " + String.join(" ", List.of(f).subList(8, f.length));
            }).sorted().collect(Collectors.joining("\n"));
            if (first != null && !first.equals(slots)) {
                return false;
            }
            first = slots;
        }
        return true;
    }

    private static boolean serves(String clusterNodesLine, int slot) {
        String[] fields = clusterNodesLine.split(" ");
        for (int i = 8; i < fields.length; i++) {
            if (fields[i].startsWith("[")) {
                continue;
            }
            String[] range = fields[i].split("-");
            int low = Integer.parseInt(range[0]);
            int high = range.length > 1 ? Integer.parseInt(range[1]) : low;
            if (slot >= low && slot <= high) {
                return true;
            }
        }
        return false;
    }

    @Override
    public synchronized void close() {
        connections.values().forEach(StatefulRedisConnection::close);
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        nodes.forEach(RedisServer::close);
    }
}
