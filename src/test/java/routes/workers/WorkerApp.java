package routes.workers;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;
import routes.app.PrinteryMain;
import routes.events.EventFormat;
import routes.events.EventPublisher;
import routes.events.Streams;
import routes.events.proto.DeploymentEvent;
import routes.support.Isolation;
import routes.support.RedisServer;

/**
 * Printery's Camel Main against the test Redis, with streams of its own (random names) and a test manifest; with
 * or without the routes of routes.yaml. Reads events back from the result streams.
 */
final class WorkerApp implements AutoCloseable {

    private final Main main = new PrinteryMain();
    private final RedisClient redis;
    private final StatefulRedisConnection<byte[], byte[]> connection;
    private final String prefix = "test:health:" + UUID.randomUUID() + ":";

    /**
     * @param routes     route ids to run from routes.yaml (with the publish route), none for beans only
     * @param properties further overrides (printery.health.window ...)
     */
    WorkerApp(String manifestYaml, List<String> routes, Map<String, String> properties) throws Exception {
        Path manifest = Files.createTempFile("printery-manifest-", ".yaml");
        Files.writeString(manifest, manifestYaml, StandardCharsets.UTF_8);
        manifest.toFile().deleteOnExit();
        String url = RedisServer.shared().url();
        Isolation.properties(prefix.substring(0, prefix.length() - 1)).forEach(main::addOverrideProperty);
        main.addOverrideProperty("printery.manifest", manifest.toString());
        if (routes.isEmpty()) {
            main.addOverrideProperty("camel.main.routesCollectorEnabled", "false");
        } else {
            main.addOverrideProperty("camel.main.routesIncludePattern", Isolation.ROUTES);
            main.addOverrideProperty("camel.main.routeFilterIncludePattern", String.join(",", routes));
        }
        properties.forEach(main::addOverrideProperty);
        main.start();
        redis = RedisClient.create(url);
        connection = redis.connect(ByteArrayCodec.INSTANCE);
    }

    CamelContext camel() {
        return main.getCamelContext();
    }

    <T> T bean(String name, Class<T> type) {
        return main.getCamelContext().getRegistry().lookupByNameAndType(name, type);
    }

    EventPublisher publisher() {
        return bean("eventPublisher", EventPublisher.class);
    }

    Streams streams() {
        return bean("streams", Streams.class);
    }

    List<DeploymentEvent> events(String stream) {
        List<DeploymentEvent> events = new ArrayList<>();
        for (StreamMessage<byte[], byte[]> entry : connection.sync().xrange(stream.getBytes(StandardCharsets.UTF_8),
                Range.create("-", "+"))) {
            entry.getBody().forEach((field, value) -> {
                if (new String(field, StandardCharsets.UTF_8).equals("payload")) {
                    events.add(EventFormat.decode(value));
                }
            });
        }
        return events;
    }

    /** The fields of one entry, in their order; values as text, the payload's bytes in hex. */
    Map<String, String> fields(String stream, String entryId) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (StreamMessage<byte[], byte[]> entry : connection.sync().xrange(stream.getBytes(StandardCharsets.UTF_8),
                Range.create(entryId, entryId))) {
            entry.getBody().forEach((field, value) -> {
                String name = new String(field, StandardCharsets.UTF_8);
                fields.put(name, name.equals("payload") ? HexFormat.of().formatHex(value) : new String(value, StandardCharsets.UTF_8));
            });
        }
        return fields;
    }

    /** Waits (up to {@code timeout}) for an event on the stream that matches. */
    DeploymentEvent await(String stream, Predicate<DeploymentEvent> match, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (DeploymentEvent event : events(stream)) {
                if (match.test(event)) {
                    return event;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no matching event on " + stream + " within " + timeout + "; found " + events(stream));
    }

    /** Entries a group has read but not acked. */
    long pending(String stream, String group) {
        return connection.sync().xpending(stream.getBytes(StandardCharsets.UTF_8), group.getBytes(StandardCharsets.UTF_8)).getCount();
    }

    @Override
    public void close() {
        try {
            main.stop();
        } finally {
            List<String> streams = List.of("deployment", "validation", "dependency", "health", "dlq");
            streams.forEach(s -> connection.sync().del((prefix + s).getBytes(StandardCharsets.UTF_8)));
            connection.close();
            redis.shutdown();
        }
    }
}
