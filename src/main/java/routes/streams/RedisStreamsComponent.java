package routes.streams;

import java.time.Duration;
import java.util.Map;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import org.apache.camel.Endpoint;
import org.apache.camel.spi.Metadata;
import org.apache.camel.spi.annotations.Component;
import org.apache.camel.support.CamelContextHelper;
import org.apache.camel.support.HealthCheckComponent;
import org.apache.camel.util.ObjectHelper;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * Reads and writes Redis Streams with consumer groups, connecting with the settings and client resources of the
 * spring-data-redis connection factory that camel-spring-redis (and its idempotent repository) uses.
 */
@Component("redis-streams")
public class RedisStreamsComponent extends HealthCheckComponent {

    @Metadata(autowired = true)
    private LettuceConnectionFactory connectionFactory;
    @Metadata
    private RedisStreamsConfiguration configuration = new RedisStreamsConfiguration();

    private volatile StatefulRedisConnection<byte[], byte[]> sharedConnection;
    /** On the factory's client resources and options, except that it does not reconnect by itself. */
    private RedisClient client;

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        if (ObjectHelper.isEmpty(remaining)) {
            throw new IllegalArgumentException("redis-streams needs at least one stream name: redis-streams:<stream>[,<stream>...]");
        }
        RedisStreamsEndpoint endpoint = new RedisStreamsEndpoint(uri, this, remaining, configuration.copy());
        setProperties(endpoint, parameters);
        return endpoint;
    }

    public LettuceConnectionFactory getConnectionFactory() {
        return connectionFactory;
    }

    /** The spring-data-redis Lettuce connection factory whose client this component uses. */
    public void setConnectionFactory(LettuceConnectionFactory connectionFactory) {
        this.connectionFactory = connectionFactory;
    }

    public RedisStreamsConfiguration getConfiguration() {
        return configuration;
    }

    /** Defaults for every endpoint of this component. */
    public void setConfiguration(RedisStreamsConfiguration configuration) {
        this.configuration = configuration;
    }

    /**
     * A new connection. Its client does not reconnect by itself: Lettuce would silently re-send a command in
     * flight after reconnecting, on its own backoff of up to 30 s, so a consumer would neither notice an outage
     * nor resume promptly. Consumers reconnect on their own capped backoff; producers on their next call.
     */
    StatefulRedisConnection<byte[], byte[]> connect() {
        return client.connect(ByteArrayCodec.INSTANCE, redisUri());
    }

    private RedisURI redisUri() {
        RedisStandaloneConfiguration server = connectionFactory.getStandaloneConfiguration();
        RedisURI.Builder uri = RedisURI.Builder.redis(server.getHostName(), server.getPort())
                .withDatabase(server.getDatabase()).withSsl(connectionFactory.getClientConfiguration().isUseSsl());
        server.getPassword().toOptional().ifPresent(password -> {
            if (server.getUsername() == null) {
                uri.withPassword(password);
            } else {
                uri.withAuthentication(server.getUsername(), password);
            }
        });
        return uri.build();
    }

    /**
     * The connection producers and keep-alives share (Lettuce pipelines concurrent commands on it); replaced by a
     * new one once it is lost.
     */
    StatefulRedisConnection<byte[], byte[]> sharedConnection() {
        StatefulRedisConnection<byte[], byte[]> connection = sharedConnection;
        if (connection == null || !connection.isOpen()) {
            synchronized (this) {
                connection = sharedConnection;
                if (connection == null || !connection.isOpen()) {
                    if (connection != null) {
                        connection.close();
                    }
                    connection = connect();
                    sharedConnection = connection;
                }
            }
        }
        return connection;
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        if (connectionFactory == null) {
            connectionFactory = CamelContextHelper.findSingleByType(getCamelContext(), LettuceConnectionFactory.class);
        }
        if (connectionFactory == null) {
            throw new IllegalStateException("redis-streams needs a LettuceConnectionFactory: bind exactly one in the registry "
                    + "or set the component's connectionFactory option");
        }
        RedisClient factoryClient = (RedisClient) connectionFactory.getRequiredNativeClient();
        client = RedisClient.create(factoryClient.getResources());
        client.setOptions(factoryClient.getOptions().mutate().autoReconnect(false).build());
    }

    @Override
    protected void doStop() throws Exception {
        StatefulRedisConnection<byte[], byte[]> connection = sharedConnection;
        sharedConnection = null;
        if (connection != null) {
            connection.close();
        }
        if (client != null) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            client = null;
        }
        super.doStop();
    }
}
