package routes.dlq;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.apache.camel.support.service.ServiceHelper;
import org.apache.camel.Exchange;
import org.apache.camel.main.Main;
import routes.app.PrinteryMain;
import routes.events.EntryLayout;
import routes.events.proto.DeploymentEvent;
import routes.support.Isolation;
import routes.support.RedisServer;

/**
 * Printery as `printery run` starts it (routes.yaml, application.properties, the configuration classes) plus the
 * test routes of dlq-test-routes.yaml, on the shared test Redis with streams and groups of its own.
 */
final class DlqTestApp implements AutoCloseable {

    final String suffix = UUID.randomUUID().toString().substring(0, 8);
    final String stream = "test:dlq:source:" + suffix;
    final String group = "test-worker-" + suffix;
    final String dlqStream = "test:dlq:dead:" + suffix;
    final int httpPort = Isolation.freePort();
    final FlakyWorker worker = new FlakyWorker();
    final List<Exchange> alerts = new CopyOnWriteArrayList<>();
    final Main main = new PrinteryMain();
    final RedisClient redisClient = RedisClient.create(RedisServer.shared().url());
    final StatefulRedisConnection<byte[], byte[]> redis = redisClient.connect(ByteArrayCodec.INSTANCE);

    DlqTestApp(String dbUrl, Map<String, String> overrides) {
        Map<String, String> isolated = Isolation.properties("test:dlq:" + suffix);
        isolated.put("camel.main.routesIncludePattern", Isolation.ROUTES + ",classpath:dlq-test-routes.yaml");
        isolated.put("camel.management.port", String.valueOf(httpPort));
        isolated.put("printery.streams.dlq", dlqStream);
        isolated.forEach(main::addOverrideProperty);
        main.addOverrideProperty("printery.db.url", dbUrl);
        main.addOverrideProperty("printery.db.connect-timeout", "3000");
        main.addOverrideProperty("printery.retry.delay", "50");
        main.addOverrideProperty("printery.retry.maximum-delay", "200");
        main.addOverrideProperty("printery.db.retry.delay", "100");
        main.addOverrideProperty("printery.db.retry.maximum-delay", "400");
        main.addOverrideProperty("printery.dlq.alert-window", "2s");
        main.addOverrideProperty("test.stream", stream);
        main.addOverrideProperty("test.group", group);
        overrides.forEach(main::addOverrideProperty);
        main.bind("flakyWorker", worker);
    }

    DlqTestApp start() throws Exception {
        main.start();
        // Observe what the real ops-alert route is given; copies, since that route rewrites the message.
        EventNotifierSupport alertWatch = new EventNotifierSupport() {
            @Override
            public void notify(CamelEvent event) {
                if (event instanceof CamelEvent.ExchangeSendingEvent sending
                        && sending.getEndpoint().getEndpointUri().equals("direct://ops-alert")) {
                    alerts.add(sending.getExchange().copy());
                }
            }
        };
        camel().getManagementStrategy().addEventNotifier(alertWatch);
        ServiceHelper.startService(alertWatch);
        return this;
    }

    CamelContext camel() {
        return main.getCamelContext();
    }

    <T> T bean(String name, Class<T> type) {
        return camel().getRegistry().lookupByNameAndType(name, type);
    }

    /** XADDs raw fields to the worker's source stream (the way a foreign or broken producer would). */
    String addRaw(Map<String, byte[]> fields) {
        Map<byte[], byte[]> body = new java.util.LinkedHashMap<>();
        fields.forEach((k, v) -> body.put(k.getBytes(StandardCharsets.UTF_8), v));
        return redis.sync().xadd(stream.getBytes(StandardCharsets.UTF_8), body);
    }

    /** XADDs an event in the standard layout to the worker's source stream. */
    String add(DeploymentEvent event) {
        Map<String, byte[]> fields = new java.util.LinkedHashMap<>();
        EntryLayout.entryOf(event)
                .forEach((k, v) -> fields.put(new String(k, StandardCharsets.UTF_8), v));
        return addRaw(fields);
    }

    long streamLength(String name) {
        return redis.sync().xlen(name.getBytes(StandardCharsets.UTF_8));
    }

    long pending(String name, String groupName) {
        return redis.sync().xpending(name.getBytes(StandardCharsets.UTF_8), groupName.getBytes(StandardCharsets.UTF_8)).getCount();
    }

    static DeploymentEvent started(String deploymentId) {
        return DeploymentEvent.newBuilder().setEventId(UUID.randomUUID().toString()).setType("deployment:started")
                .setDeploymentId(deploymentId).setCorrelationId("c-" + deploymentId).setTimestamp(System.currentTimeMillis())
                .setDeploymentStarted(routes.events.proto.DeploymentStartedEvent.newBuilder().setVersion("1.2.3")
                        .setEnvironment("staging").addServices("api"))
                .build();
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 20_000;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out after 20 s waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    @Override
    public void close() {
        main.stop();
        redis.close();
        redisClient.shutdown();
    }

    /**
     * The test worker: fails deployments the test names (with a transient exception, or as invalid input), records
     * the others.
     */
    public static final class FlakyWorker {
        final Set<String> failing = ConcurrentHashMap.newKeySet();
        final Set<String> invalid = ConcurrentHashMap.newKeySet();
        final Map<String, Integer> attempts = new ConcurrentHashMap<>();
        final List<String> processed = Collections.synchronizedList(new ArrayList<>());

        public void process(DeploymentEvent event) throws java.net.ConnectException {
            attempts.merge(event.getDeploymentId(), 1, Integer::sum);
            if (invalid.contains(event.getDeploymentId())) {
                // As the validator does with a deployment:started that names no version: after decoding.
                throw new routes.events.InvalidEventException("deployment " + event.getDeploymentId() + " is invalid");
            }
            if (failing.contains(event.getDeploymentId())) {
                throw new java.net.ConnectException("Connection refused: registry for " + event.getDeploymentId());
            }
            processed.add(event.getDeploymentId());
        }
    }
}
