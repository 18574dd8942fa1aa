package routes.workers;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

import com.google.protobuf.InvalidProtocolBufferException;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import org.apache.camel.main.Main;
import routes.app.PrinteryMain;
import routes.events.EntryLayout;
import routes.events.Streams;
import routes.events.proto.DeploymentEvent;
import routes.support.Isolation;
import routes.support.RedisServer;

/**
 * Printery on Camel Main against the shared test Redis, with stream names of its own so tests never see each
 * other's events; reads the result streams back with XRANGE.
 */
final class PrinteryApp implements AutoCloseable {

    private final Main main = new PrinteryMain();
    private final RedisClient client;
    private final StatefulRedisConnection<byte[], byte[]> connection;

    /** @param properties overrides of application.properties, e.g. printery.manifest or routes to include */
    PrinteryApp(Map<String, String> properties) throws Exception {
        String url = RedisServer.shared().url();
        Isolation.properties("printery-test:" + UUID.randomUUID()).forEach(main::addOverrideProperty);
        properties.forEach(main::addOverrideProperty);
        main.start();
        client = RedisClient.create(url);
        connection = client.connect(ByteArrayCodec.INSTANCE);
    }

    <T> T bean(String name, Class<T> type) {
        return main.getCamelContext().getRegistry().lookupByNameAndType(name, type);
    }

    Streams streams() {
        return bean("streams", Streams.class);
    }

    List<DeploymentEvent> read(String stream) {
        List<DeploymentEvent> events = new ArrayList<>();
        for (StreamMessage<byte[], byte[]> message : connection.sync().xrange(stream.getBytes(StandardCharsets.UTF_8), Range.create("-", "+"))) {
            for (Map.Entry<byte[], byte[]> field : message.getBody().entrySet()) {
                if (new String(field.getKey(), StandardCharsets.UTF_8).equals(EntryLayout.FIELD_PAYLOAD)) {
                    try {
                        events.add(DeploymentEvent.parseFrom(field.getValue()));
                    } catch (InvalidProtocolBufferException e) {
                        throw new AssertionError("entry " + message.getId() + " on " + stream + " is no DeploymentEvent", e);
                    }
                }
            }
        }
        return events;
    }

    /** The fields of each entry on {@code stream} but the payload, as text. */
    List<Map<String, String>> fields(String stream) {
        List<Map<String, String>> entries = new ArrayList<>();
        for (StreamMessage<byte[], byte[]> message : connection.sync().xrange(stream.getBytes(StandardCharsets.UTF_8), Range.create("-", "+"))) {
            Map<String, String> fields = new LinkedHashMap<>();
            message.getBody().forEach((field, value) -> {
                String name = new String(field, StandardCharsets.UTF_8);
                if (!name.equals(EntryLayout.FIELD_PAYLOAD)) {
                    fields.put(name, new String(value, StandardCharsets.UTF_8));
                }
            });
            entries.add(fields);
        }
        return entries;
    }

    /** Polls {@code stream} until an event matches, failing after {@code within}. */
    DeploymentEvent await(String stream, Predicate<DeploymentEvent> match, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            for (DeploymentEvent event : read(stream)) {
                if (match.test(event)) {
                    return event;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no matching event on " + stream + " within " + within + "; found " + read(stream));
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown();
        main.stop();
    }
}
