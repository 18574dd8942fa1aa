package routes.cli;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * A connection of a command's own on the factory's client, whichever kind of Redis that is (one server, Sentinel or
 * a cluster), with the commands all kinds have: a cluster connection routes each by its key.
 */
final class StreamReadConnection implements AutoCloseable {

    private final StatefulConnection<byte[], byte[]> connection;
    private final RedisClusterCommands<byte[], byte[]> commands;

    StreamReadConnection(LettuceConnectionFactory factory) {
        if (factory.getRequiredNativeClient() instanceof RedisClusterClient cluster) {
            var clusterConnection = cluster.connect(ByteArrayCodec.INSTANCE);
            connection = clusterConnection;
            commands = clusterConnection.sync();
        } else {
            var serverConnection = ((RedisClient) factory.getRequiredNativeClient()).connect(ByteArrayCodec.INSTANCE);
            connection = serverConnection;
            commands = serverConnection.sync();
        }
    }

    RedisClusterCommands<byte[], byte[]> sync() {
        return commands;
    }

    @Override
    public void close() {
        connection.close();
    }
}
