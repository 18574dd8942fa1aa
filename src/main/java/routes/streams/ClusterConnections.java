package routes.streams;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.UnblockType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisStreamCommands;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.ByteArrayCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.connection.RedisClusterConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * A Redis Cluster. Producers and keep-alives share a cluster connection, which routes each command by its key and
 * follows the topology (the factory's cluster options). Readers get a plain connection to the master of their
 * streams' slot, where a blocking read holds no connection that others route through; a MOVED or a lost master
 * sends them to {@link #topologyChanged()} and a connection to the slot's master as the refreshed topology says.
 */
final class ClusterConnections implements StreamConnections {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterConnections.class);

    private final RedisClusterClient cluster;
    /** For the readers' node connections: the factory's client resources, no reconnect by itself. */
    private final RedisClient nodes;
    /** Credentials and TLS of the seed nodes, for the connections to the nodes the topology names. */
    private final RedisURI template;
    private final SharedConnection<StatefulRedisClusterConnection<byte[], byte[]>> shared;

    ClusterConnections(LettuceConnectionFactory factory) {
        RedisClusterClient factoryClient = (RedisClusterClient) factory.getRequiredNativeClient();
        List<RedisURI> seeds = seeds(factory);
        template = seeds.get(0);
        cluster = RedisClusterClient.create(factoryClient.getResources(), seeds);
        cluster.setOptions((ClusterClientOptions) factoryClient.getOptions());
        nodes = RedisClient.create(factoryClient.getResources());
        nodes.setOptions(ClientOptions.copyOf(factoryClient.getOptions()).mutate().autoReconnect(false).build());
        shared = new SharedConnection<>(() -> cluster.connect(ByteArrayCodec.INSTANCE));
    }

    private static List<RedisURI> seeds(LettuceConnectionFactory factory) {
        RedisClusterConfiguration configuration = factory.getClusterConfiguration();
        List<RedisURI> seeds = new ArrayList<>();
        configuration.getClusterNodes().forEach(node -> {
            RedisURI.Builder uri = RedisURI.Builder.redis(node.getHost(), node.getPort())
                    .withSsl(factory.getClientConfiguration().isUseSsl());
            configuration.getPassword().toOptional().ifPresent(password -> {
                if (configuration.getUsername() == null) {
                    uri.withPassword(password);
                } else {
                    uri.withAuthentication(configuration.getUsername(), password);
                }
            });
            seeds.add(uri.build());
        });
        return seeds;
    }

    @Override
    public List<List<String>> readerStreams(List<String> streams) {
        Map<Integer, List<String>> bySlot = new LinkedHashMap<>();
        streams.forEach(stream -> bySlot.computeIfAbsent(slot(stream), s -> new ArrayList<>()).add(stream));
        return List.copyOf(bySlot.values());
    }

    @Override
    public StatefulRedisConnection<byte[], byte[]> connect(List<String> streams) {
        RedisClusterNode master = master(streams);
        return nodes.connect(ByteArrayCodec.INSTANCE, RedisURI.builder(template)
                .withHost(master.getUri().getHost()).withPort(master.getUri().getPort()).build());
    }

    private RedisClusterNode master(List<String> streams) {
        int slot = slot(streams.get(0));
        RedisClusterNode master = cluster.getPartitions().getMasterBySlot(slot);
        if (master == null) {
            // An outage to the reader: it backs off and asks again.
            throw new RedisConnectionException("no master serves slot " + slot + " of " + streams + " (yet)");
        }
        return master;
    }

    @Override
    public RedisStreamCommands<byte[], byte[]> shared() {
        return shared.get().sync();
    }


    /** On the master of the streams' slot: a reader that still reads from the slot's former master ends within blockTimeout. */
    @Override
    public void unblock(List<String> streams, long clientId) {
        RedisURI node = master(streams).getUri();
        shared.get().sync().getConnection(node.getHost(), node.getPort()).clientUnblock(clientId, UnblockType.TIMEOUT);
    }

    /**
     * MOVED and ASK (the slot is served elsewhere), READONLY (a master turned replica), and any UNBLOCKED: of a read
     * whose server changed role, or whose stream left with its slot (MIGRATE deletes it here).
     */
    @Override
    public boolean moved(RedisCommandExecutionException e) {
        String message = String.valueOf(e.getMessage());
        return message.startsWith("MOVED") || message.startsWith("ASK") || message.startsWith("READONLY")
                || message.startsWith("UNBLOCKED");
    }

    @Override
    public void topologyChanged() {
        try {
            cluster.refreshPartitions();
        } catch (RedisException e) {
            LOG.debug("Could not refresh the cluster topology: {}", e.getMessage());
        }
    }

    @Override
    public void close() {
        shared.close();
        cluster.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        nodes.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    private static int slot(String stream) {
        return SlotHash.getSlot(stream.getBytes(StandardCharsets.UTF_8));
    }
}
