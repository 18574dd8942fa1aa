package routes.cli;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import com.google.protobuf.TextFormat;
import com.google.protobuf.util.JsonFormat;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.codec.ByteArrayCodec;
import routes.events.EventFormat;
import routes.events.InvalidEventException;
import routes.events.Streams;
import routes.events.proto.DeploymentEvent;
import routes.streams.RedisStreamsConstants;

/**
 * {@code printery tail [--stream S] [--from ID] [--count N] [--json]}: without --from, the last N entries; with it,
 * up to N entries from that id on. Undecodable entries are reported on stderr and do not stop the listing.
 */
public final class TailCommand {

    private static final JsonFormat.Printer JSON = JsonFormat.printer().preservingProtoFieldNames()
            .omittingInsignificantWhitespace();

    private final Args args;

    public TailCommand(Args args) {
        this.args = args;
    }

    public int run(PrintStream out, PrintStream err) throws Exception {
        long count = args.number("count", 20);
        boolean json = args.flag("json");
        try (CliContext cli = new CliContext()) {
            Streams streams = cli.bean("streams", Streams.class);
            String stream = args.get("stream", streams.deployment());
            var factory = cli.bean("redisConnectionFactory", org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory.class);
            var client = (io.lettuce.core.RedisClient) factory.getRequiredNativeClient();
            try (var connection = client.connect(ByteArrayCodec.INSTANCE)) {
                byte[] key = stream.getBytes(StandardCharsets.UTF_8);
                List<StreamMessage<byte[], byte[]>> entries;
                String from = args.get("from");
                if (from == null) {
                    entries = new ArrayList<>(connection.sync().xrevrange(key, Range.create("-", "+"), Limit.from(count)));
                    Collections.reverse(entries);
                } else {
                    entries = connection.sync().xrange(key, Range.create(from, "+"), Limit.from(count));
                }
                for (StreamMessage<byte[], byte[]> entry : entries) {
                    print(entry, json, out, err);
                }
            }
        }
        return 0;
    }

    private static void print(StreamMessage<byte[], byte[]> entry, boolean json, PrintStream out, PrintStream err)
            throws Exception {
        byte[] payload = null;
        for (Map.Entry<byte[], byte[]> field : entry.getBody().entrySet()) {
            if (RedisStreamsConstants.FIELD_PAYLOAD.equals(new String(field.getKey(), StandardCharsets.UTF_8))) {
                payload = field.getValue();
            }
        }
        DeploymentEvent event;
        try {
            event = EventFormat.decode(payload);
        } catch (InvalidEventException e) {
            err.println(entry.getId() + " invalid entry: " + e.getMessage());
            return;
        }
        if (json) {
            out.println(JSON.print(event));
        } else {
            out.println(entry.getId() + " " + event.getType() + " deployment=" + event.getDeploymentId() + " event="
                    + event.getEventId() + " correlation=" + event.getCorrelationId() + " priority="
                    + event.getPriority().name().replace("PRIORITY_", "") + " "
                    + TextFormat.printer().shortDebugString(payloadOf(event)));
        }
    }

    private static com.google.protobuf.Message payloadOf(DeploymentEvent event) {
        var field = DeploymentEvent.getDescriptor().findFieldByNumber(event.getPayloadCase().getNumber());
        return (com.google.protobuf.Message) event.getField(field);
    }
}
