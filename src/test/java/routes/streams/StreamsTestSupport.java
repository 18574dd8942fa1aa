package routes.streams;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.XReadArgs.StreamOffset;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.models.stream.PendingMessage;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.LambdaRouteBuilder;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.spi.Registry;
import org.apache.camel.support.PropertyBindingSupport;
import org.apache.camel.test.junit5.CamelTestSupport;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import routes.app.PrinteryConfiguration;
import routes.events.EntryLayout;
import routes.events.EventTypes;
import routes.events.proto.DeploymentEvent;
import routes.events.proto.DeploymentStartedEvent;
import routes.support.RedisServer;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * A Camel context with the application's Redis connection factory bound, a raw Lettuce connection to look at
 * (and tamper with) the streams, and a stream and group name of its own per test.
 */
abstract class StreamsTestSupport extends CamelTestSupport {

    static final long DEADLINE_MS = 20_000;

    protected final String stream = "test:streams:" + UUID.randomUUID();
    protected final String group = "group-" + UUID.randomUUID().toString().substring(0, 8);

    protected LettuceConnectionFactory factory;
    private StatefulRedisConnection<String, String> rawConnection;
    private StatefulRedisConnection<byte[], byte[]> rawBytesConnection;

    /** The Redis this test class runs against. */
    protected String redisUrl() {
        return RedisServer.shared().url();
    }

    /** The component as Printery's application.properties configures it (the entry layout of routes.events). */
    @Override
    protected CamelContext createCamelContext() throws Exception {
        CamelContext camel = super.createCamelContext();
        camel.addComponent("redis-streams", printeryComponent(camel));
        return camel;
    }

    static RedisStreamsComponent printeryComponent(CamelContext camel) throws IOException {
        Properties app = new Properties();
        try (InputStream in = StreamsTestSupport.class.getResourceAsStream("/application.properties")) {
            app.load(in);
        }
        String prefix = "camel.component.redis-streams.";
        Map<String, Object> options = new LinkedHashMap<>();
        // The layout options; the consumer name is an instance's (the tests name their consumers).
        app.stringPropertyNames().stream().filter(k -> k.startsWith(prefix) && !k.equals(prefix + "consumerName"))
                .forEach(k -> options.put(k.substring(prefix.length()), app.getProperty(k)));
        RedisStreamsComponent component = new RedisStreamsComponent();
        PropertyBindingSupport.build().withCamelContext(camel).withTarget(component).withProperties(options).bind();
        if (!options.isEmpty()) {
            throw new IllegalStateException("not options of redis-streams: " + options);
        }
        return component;
    }

    @Override
    protected void bindToRegistry(Registry registry) throws Exception {
        factory = PrinteryConfiguration.connectionFactory(redisUrl());
        factory.afterPropertiesSet();
        registry.bind("redisConnectionFactory", factory);
    }

    /** Runs before CamelTestSupport stops the context, so stop it here: the factory must outlive the routes. */
    @Override
    protected void doPostTearDown() throws Exception {
        context.stop();
        if (rawConnection != null) {
            rawConnection.close();
        }
        if (rawBytesConnection != null) {
            rawBytesConnection.close();
        }
        factory.destroy();
        super.doPostTearDown();
    }

    /** Raw commands with string values, on the factory's client. */
    protected RedisCommands<String, String> redis() {
        if (rawConnection == null) {
            rawConnection = ((RedisClient) factory.getRequiredNativeClient()).connect();
        }
        return rawConnection.sync();
    }

    protected RedisCommands<byte[], byte[]> redisBytes() {
        if (rawBytesConnection == null) {
            rawBytesConnection = ((RedisClient) factory.getRequiredNativeClient()).connect(ByteArrayCodec.INSTANCE);
        }
        return rawBytesConnection.sync();
    }

    protected String uri(String options) {
        return "redis-streams:" + stream + "?group=" + group + (options.isEmpty() ? "" : "&" + options);
    }

    /** Starts a route reading this test's stream with the given options into a new {@link Received}. */
    protected Received consume(String options) throws Exception {
        Received received = new Received();
        routes(r -> r.from(uri(options)).process(received::add));
        return received;
    }

    protected void routes(LambdaRouteBuilder builder) throws Exception {
        RouteBuilder.addRoutes(context, builder);
    }

    protected static DeploymentEvent event(String deploymentId) {
        return DeploymentEvent.newBuilder().setEventId(UUID.randomUUID().toString()).setType(EventTypes.DEPLOYMENT_STARTED)
                .setDeploymentId(deploymentId).setCorrelationId("corr-" + deploymentId).setTimestamp(System.currentTimeMillis())
                .setDeploymentStarted(DeploymentStartedEvent.newBuilder().setVersion("1.0.0").setEnvironment("test"))
                .build();
    }

    /** XADDs an event in the entry layout; returns the entry id. */
    protected String addEvent(String deploymentId) {
        return redisBytes().xadd(bytes(stream), EntryLayout.entryOf(event(deploymentId)));
    }

    /** A connection of its own, for the test to close. */
    protected StatefulRedisConnection<byte[], byte[]> newBytesConnection() {
        return ((RedisClient) factory.getRequiredNativeClient()).connect(ByteArrayCodec.INSTANCE);
    }

    protected List<String> addEvents(int count) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add(addEvent("d" + i));
        }
        return ids;
    }

    protected void createGroup() {
        redis().xgroupCreate(StreamOffset.from(stream, "0"), group, XGroupCreateArgs.Builder.mkstream());
    }

    /** Reads new entries as another consumer that then never acks them: a crashed process. */
    protected void readAs(String consumer, int count) {
        redis().xreadgroup(io.lettuce.core.Consumer.from(group, consumer), XReadArgs.Builder.count(count),
                StreamOffset.lastConsumed(stream));
    }

    protected List<PendingMessage> pending() {
        return redis().xpending(stream, group, Range.create("-", "+"), Limit.from(10_000));
    }

    protected List<String> pendingIds() {
        return pending().stream().map(PendingMessage::getId).toList();
    }

    protected List<String> consumerNames() {
        return redis().xinfoConsumers(stream, group).stream()
                .map(c -> String.valueOf(toMap(c).get("name"))).toList();
    }

    protected List<String> groupNames() {
        if (redis().exists(stream) == 0) {
            return List.of();
        }
        return redis().xinfoGroups(stream).stream().map(g -> String.valueOf(toMap(g).get("name"))).toList();
    }

    /** How many times Redis ran a command since it started (INFO commandstats). */
    protected long calls(String command) {
        for (String line : redis().info("commandstats").split("\r?\n")) {
            if (line.startsWith("cmdstat_" + command + ":")) {
                String calls = line.substring(line.indexOf("calls=") + 6);
                return Long.parseLong(calls.substring(0, calls.indexOf(',')));
            }
        }
        return 0;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> toMap(Object xinfoEntry) {
        List<Object> flat = (List<Object>) xinfoEntry;
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            map.put(String.valueOf(flat.get(i)), flat.get(i + 1));
        }
        return map;
    }

    static void await(String what, BooleanSupplier condition) {
        long deadline = System.currentTimeMillis() + DEADLINE_MS;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                fail("timed out after " + DEADLINE_MS + " ms waiting for: " + what);
            }
            sleep(20);
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String entryId(Exchange exchange) {
        return exchange.getIn().getHeader(RedisStreamsConstants.ENTRY_ID, String.class);
    }
}
