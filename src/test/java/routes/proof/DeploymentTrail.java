package routes.proof;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import routes.events.EntryLayout;
import routes.events.EventFormat;
import routes.events.proto.DeploymentEvent;

/**
 * What the orchestrator's proofs read back of a deployment: its events on the streams (one per entry, so an event
 * published twice shows twice) and the simulated deployer's journal, which the deployer of every process writes.
 */
final class DeploymentTrail implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path journal;
    private final RedisClient client;
    private final StatefulRedisConnection<byte[], byte[]> connection;

    DeploymentTrail(String redisUrl, Path journal) {
        this.journal = journal;
        this.client = RedisClient.create(redisUrl);
        this.connection = client.connect(ByteArrayCodec.INSTANCE);
    }

    RedisCommands<byte[], byte[]> redis() {
        return connection.sync();
    }

    /** The deployment's events on the stream, in entry order. */
    List<DeploymentEvent> events(String stream, String id) {
        List<DeploymentEvent> events = new ArrayList<>();
        for (StreamMessage<byte[], byte[]> entry : redis().xrange(stream.getBytes(StandardCharsets.UTF_8),
                Range.create("-", "+"))) {
            Map<String, byte[]> fields = new HashMap<>();
            entry.getBody().forEach((k, v) -> fields.put(new String(k, StandardCharsets.UTF_8), v));
            byte[] deployment = fields.get(EntryLayout.FIELD_DEPLOYMENT_ID);
            if (deployment != null && id.equals(new String(deployment, StandardCharsets.UTF_8))) {
                events.add(EventFormat.decode(fields.get(EntryLayout.FIELD_PAYLOAD)));
            }
        }
        return events;
    }

    List<String> types(String stream, String id) {
        return events(stream, id).stream().map(DeploymentEvent::getType).toList();
    }

    /**
     * Deploys or rollbacks ({@code call} DEPLOY, ROLLBACK) in the journal whose {@code field} ("service",
     * "deployment") is {@code value}, by every process; a rollback with nothing to restore has no id and is not one.
     */
    int journal(String call, String field, String value) {
        int count = 0;
        for (String line : journalText().lines().toList()) {
            try {
                JsonNode entry = JSON.readTree(line);
                if (value.equals(entry.path(field).asText()) && call.equals(entry.path("call").asText())
                        && !entry.path("id").isNull()) {
                    count++;
                }
            } catch (IOException e) {
                // a line a killed process left unfinished
            }
        }
        return count;
    }

    String journalText() {
        try {
            return Files.exists(journal) ? Files.readString(journal) : "";
        } catch (IOException e) {
            return "(journal unreadable: " + e + ")";
        }
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown();
    }
}
