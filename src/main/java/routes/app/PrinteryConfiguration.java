package routes.app;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Configuration;
import org.apache.camel.PropertyInject;
import org.apache.camel.StartupListener;
import org.apache.camel.util.TimeUtils;
import org.springframework.data.redis.connection.RedisClusterConfiguration;
import org.springframework.data.redis.connection.RedisConfiguration;
import org.springframework.data.redis.connection.RedisPassword;
import org.springframework.data.redis.connection.RedisSentinelConfiguration;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.apache.camel.component.redis.processor.idempotent.SpringRedisStringIdempotentRepository;
import routes.deploy.Orchestrator;
import routes.events.EventFormat;
import routes.events.EventPublisher;
import routes.events.Streams;

/** The beans routes.yaml refers to, built from application.properties (and its environment overrides). */
@Configuration
public class PrinteryConfiguration implements CamelConfiguration {

    /**
     * The one Redis connection factory: camel-spring-redis, its idempotent repository and redis-streams share it.
     * Started by the registry (initMethod) once bound, stopped by it at shutdown.
     */
    @BindToRegistry(value = "redisConnectionFactory", initMethod = "afterPropertiesSet", destroyMethod = "destroy")
    public LettuceConnectionFactory redisConnectionFactory(@PropertyInject("printery.redis.url") String url) {
        return connectionFactory(url);
    }

    @BindToRegistry("redisTemplate")
    public StringRedisTemplate redisTemplate(LettuceConnectionFactory redisConnectionFactory) {
        StringRedisTemplate template = new StringRedisTemplate(redisConnectionFactory);
        template.afterPropertiesSet();
        return template;
    }

    /*
     * One idempotent repository per consumer group: "already processed" is a fact about a group, keyed by event id
     * (the notifier's, keyed by event id + channel, is notifierIdempotency in NotifierConfiguration). Keys expire
     * after printery.idempotency.ttl seconds.
     */
    @BindToRegistry("validatorIdempotency")
    public SpringRedisStringIdempotentRepository validatorIdempotency(StringRedisTemplate redisTemplate,
                                                                      @PropertyInject("printery.idempotency.ttl") long ttl) {
        return idempotency(redisTemplate, "printery-validator", ttl);
    }

    @BindToRegistry("dependencyCheckerIdempotency")
    public SpringRedisStringIdempotentRepository dependencyCheckerIdempotency(StringRedisTemplate redisTemplate,
                                                                              @PropertyInject("printery.idempotency.ttl") long ttl) {
        return idempotency(redisTemplate, "printery-dependency-checker", ttl);
    }

    @BindToRegistry("healthMonitorIdempotency")
    public SpringRedisStringIdempotentRepository healthMonitorIdempotency(StringRedisTemplate redisTemplate,
                                                                          @PropertyInject("printery.idempotency.ttl") long ttl) {
        return idempotency(redisTemplate, "printery-health-monitor", ttl);
    }

    private static SpringRedisStringIdempotentRepository idempotency(StringRedisTemplate template, String group, long ttl) {
        SpringRedisStringIdempotentRepository repository = new SpringRedisStringIdempotentRepository(template, group);
        repository.setExpiry(ttl);
        return repository;
    }

    @BindToRegistry("streams")
    public Streams streams(@PropertyInject("printery.streams.deployment") String deployment,
                           @PropertyInject("printery.streams.validation") String validation,
                           @PropertyInject("printery.streams.dependency") String dependency,
                           @PropertyInject("printery.streams.health") String health,
                           @PropertyInject("printery.streams.dlq") String dlq) {
        return new Streams(deployment, validation, dependency, health, dlq);
    }

    @BindToRegistry("eventPublisher")
    public EventPublisher eventPublisher(CamelContext context, Streams streams) {
        return new EventPublisher(context, streams);
    }

    /** The one JSON mapper (thread-safe once built) of the DLQ API and tools, the checks and the notifier. */
    @BindToRegistry("jsonMapper")
    public ObjectMapper jsonMapper() {
        return new ObjectMapper();
    }

    /** The origin and content-type check of every POST of the management API (routes.yaml). */
    @BindToRegistry("managementPostGuard")
    public ManagementPostGuard managementPostGuard(ObjectMapper jsonMapper,
                                                   @PropertyInject("printery.management.allowed-origins") String origins) {
        return new ManagementPostGuard(jsonMapper, ManagementPostGuard.origins(origins));
    }

    /** The one log line per handled entry; routes name their outcome with its outcome method. */
    @BindToRegistry("eventLog")
    public EventLog eventLog() {
        return new EventLog();
    }

    @Override
    public void configure(CamelContext camel) throws Exception {
        camel.getManagementStrategy().addEventNotifier(camel.getRegistry().lookupByNameAndType("eventLog", EventLog.class));
        camel.getCamelContextExtension().addInterceptStrategy(new DeploymentMdcStrategy());
        camel.addStartupListener(new StartupListener() {
            @Override
            public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) throws Exception {
                if (alreadyStarted) {
                    return;
                }
                MeterRegistry meters = context.getRegistry().findSingleByType(MeterRegistry.class);
                if (meters != null) {
                    context.getRegistry().lookupByNameAndType("eventLog", EventLog.class).measureWith(meters);
                    Orchestrator orchestrator = context.getRegistry().lookupByNameAndType("orchestrator", Orchestrator.class);
                    if (orchestrator != null) {
                        orchestrator.measureWith(meters);
                    }
                    context.addService(new PrinteryMetrics(meters,
                            context.getRegistry().lookupByNameAndType("redisTemplate", StringRedisTemplate.class),
                            context.getRegistry().lookupByNameAndType("printeryDataSource", DataSource.class),
                            context.getRegistry().lookupByNameAndType("streams", Streams.class),
                            TimeUtils.toDuration(context.resolvePropertyPlaceholders("{{printery.metrics.interval}}")),
                            Clock.systemUTC()));
                }
                context.addService(new JolokiaGuard(context.getRegistry().lookupByNameAndType("jsonMapper", ObjectMapper.class),
                        ManagementPostGuard.origins(context.resolvePropertyPlaceholders("{{printery.management.allowed-origins}}")),
                        context.resolvePropertyPlaceholders("{{printery.management.admin-role}}"),
                        context.resolvePropertyPlaceholders("{{camel.management.basicPropertiesFile:}}")));
            }
        });
    }

    @BindToRegistry("eventFormat")
    public EventFormat eventFormat() {
        return new EventFormat();
    }

    /**
     * Commands fail fast while Redis is away (instead of queueing behind a dead link), so consumers can back off
     * and log the outage; Lettuce reconnects on its own. On a cluster the client also follows the topology: at once
     * on MOVED, ASK or a lost node (adaptive triggers), and every 30 s for changes nothing has run into yet.
     */
    public static LettuceConnectionFactory connectionFactory(String url) {
        List<RedisURI> uris = RedisUrl.parse(url);
        RedisURI uri = uris.get(0);
        LettuceClientConfiguration.LettuceClientConfigurationBuilder client = LettuceClientConfiguration.builder();
        if (uri.isSsl()) {
            client.useSsl();
        }
        if (RedisUrl.isCluster(url)) {
            RedisClusterConfiguration cluster = new RedisClusterConfiguration();
            uris.forEach(node -> cluster.clusterNode(node.getHost(), node.getPort()));
            credentials(uri, cluster);
            client.clientOptions(ClusterClientOptions.builder().autoReconnect(true)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder().enableAllAdaptiveRefreshTriggers()
                            .enablePeriodicRefresh(Duration.ofSeconds(30)).build())
                    .build());
            return new LettuceConnectionFactory(cluster, client.build());
        }
        client.clientOptions(ClientOptions.builder().autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS).build());
        if (!uri.getSentinels().isEmpty()) {
            // The master's address comes from the sentinels, at each (re)connect: a failover is followed.
            RedisSentinelConfiguration sentinel = new RedisSentinelConfiguration();
            sentinel.master(uri.getSentinelMasterId());
            uri.getSentinels().forEach(node -> sentinel.sentinel(node.getHost(), node.getPort()));
            sentinel.setDatabase(uri.getDatabase());
            credentials(uri, sentinel);
            return new LettuceConnectionFactory(sentinel, client.build());
        }
        RedisStandaloneConfiguration server = new RedisStandaloneConfiguration(uri.getHost(), uri.getPort());
        server.setDatabase(uri.getDatabase());
        credentials(uri, server);
        return new LettuceConnectionFactory(server, client.build());
    }

    private static void credentials(RedisURI uri, RedisConfiguration.WithAuthentication server) {
        if (uri.getUsername() != null) {
            server.setUsername(uri.getUsername());
        }
        if (uri.getPassword() != null) {
            server.setPassword(RedisPassword.of(uri.getPassword()));
        }
    }
}
