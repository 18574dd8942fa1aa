package routes.streams;

import java.time.Duration;
import java.util.List;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.UnblockType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisStreamCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import org.springframework.data.redis.connection.RedisSentinelConfiguration;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConverters;

/**
 * One server: the factory's standalone Redis, or the master its Sentinels name. With Sentinel each connect asks the
 * sentinels for the master, so a reader that reconnects after a failover reads from the promoted replica.
 */
final class ServerConnections implements StreamConnections {

    /** On the factory's client resources and options, except that it does not reconnect by itself. */
    private final RedisClient client;
    private final RedisURI uri;
    private final SharedConnection<StatefulRedisConnection<byte[], byte[]>> shared;

    ServerConnections(LettuceConnectionFactory factory) {
        RedisClient factoryClient = (RedisClient) factory.getRequiredNativeClient();
        client = RedisClient.create(factoryClient.getResources());
        client.setOptions(factoryClient.getOptions().mutate().autoReconnect(false).build());
        uri = uriOf(factory);
        shared = new SharedConnection<>(() -> connect(List.of()));
    }

    private static RedisURI uriOf(LettuceConnectionFactory factory) {
        RedisSentinelConfiguration sentinel = factory.getSentinelConfiguration();
        if (sentinel != null) {
            // The converter leaves out the database, which the factory applies on its own.
            RedisURI uri = LettuceConverters.sentinelConfigurationToRedisURI(sentinel);
            uri.setDatabase(sentinel.getDatabase());
            return uri;
        }
        RedisStandaloneConfiguration server = factory.getStandaloneConfiguration();
        RedisURI.Builder uri = RedisURI.Builder.redis(server.getHostName(), server.getPort())
                .withDatabase(server.getDatabase()).withSsl(factory.getClientConfiguration().isUseSsl());
        server.getPassword().toOptional().ifPresent(password -> {
            if (server.getUsername() == null) {
                uri.withPassword(password);
            } else {
                uri.withAuthentication(server.getUsername(), password);
            }
        });
        return uri.build();
    }

    @Override
    public List<List<String>> readerStreams(List<String> streams) {
        return List.of(streams);
    }

    @Override
    public StatefulRedisConnection<byte[], byte[]> connect(List<String> streams) {
        return client.connect(ByteArrayCodec.INSTANCE, uri);
    }

    @Override
    public RedisStreamCommands<byte[], byte[]> shared() {
        return shared.get().sync();
    }


    @Override
    public void unblock(List<String> streams, long clientId) {
        shared.get().sync().clientUnblock(clientId, UnblockType.TIMEOUT);
    }

    /**
     * READONLY (a former master, now a replica, as after a failover with Sentinel) and the UNBLOCKED of a blocked read
     * whose server changed role; the UNBLOCKED of a deleted stream is not one.
     */
    @Override
    public boolean moved(RedisCommandExecutionException e) {
        String message = String.valueOf(e.getMessage());
        return message.startsWith("READONLY") || message.startsWith("UNBLOCKED force unblock");
    }

    @Override
    public void topologyChanged() {
        // Nothing to refresh: the next connect finds the server (with Sentinel, the current master) anew.
    }

    @Override
    public void close() {
        shared.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
