package routes.streams;

import java.util.Map;

import org.apache.camel.Endpoint;
import org.apache.camel.spi.Metadata;
import org.apache.camel.spi.annotations.Component;
import org.apache.camel.support.CamelContextHelper;
import org.apache.camel.support.HealthCheckComponent;
import org.apache.camel.util.ObjectHelper;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * Reads and writes Redis Streams with consumer groups, connecting with the settings and client resources of the
 * spring-data-redis connection factory that camel-spring-redis (and its idempotent repository) uses: a standalone
 * Redis, a master watched by Sentinel, or a Redis Cluster.
 */
@Component("redis-streams")
public class RedisStreamsComponent extends HealthCheckComponent {

    @Metadata(autowired = true)
    private LettuceConnectionFactory connectionFactory;
    @Metadata
    private RedisStreamsConfiguration configuration = new RedisStreamsConfiguration();

    private volatile StreamConnections connections;

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
     * The connections of readers, producers and keep-alives. A reader's does not reconnect by itself: Lettuce would
     * silently re-send a command in flight after reconnecting, on its own backoff of up to 30 s, so a consumer would
     * neither notice an outage nor resume promptly. Consumers reconnect on their own capped backoff; producers on
     * their next call.
     */
    StreamConnections connections() {
        return connections;
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
        connections = connectionFactory.getClusterConfiguration() != null ? new ClusterConnections(connectionFactory)
                : new ServerConnections(connectionFactory);
    }

    @Override
    protected void doStop() throws Exception {
        if (connections != null) {
            connections.close();
            connections = null;
        }
        super.doStop();
    }
}
