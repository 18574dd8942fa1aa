package routes.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

import com.google.protobuf.TextFormat;
import com.google.protobuf.util.JsonFormat;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import routes.app.CommandContext;
import routes.events.EntryLayout;
import routes.events.EventFormat;
import routes.events.InvalidEventException;
import routes.events.Streams;
import routes.events.proto.DeploymentEvent;

/**
 * {@code printery tail [--stream S] [--from ID] [--count N] [--json]}: without --from, the last N entries; with it,
 * up to N entries from that id on. Undecodable entries are reported on stderr and do not stop the listing.
 */
@Command(name = "tail", description = "Print decoded events, one per line.")
final class TailCommand implements Callable<Integer> {

    private static final JsonFormat.Printer JSON = JsonFormat.printer().preservingProtoFieldNames()
            .omittingInsignificantWhitespace();
    private static final Pattern ENTRY_ID = Pattern.compile("\\d+(-\\d+)?");

    @Spec
    CommandSpec spec;

    @Mixin
    HelpOption help;

    @Option(names = "--stream", paramLabel = "S", description = "Default: the deployment stream.")
    String stream;

    @Option(names = "--from", paramLabel = "ID", description = "An entry id (1700000000000-0) or a time in ms.")
    String from;

    @Option(names = "--count", paramLabel = "N", defaultValue = "20", description = "At most N entries (default 20).")
    long count;

    @Option(names = "--json", description = "One JSON object per event, proto field names.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (count < 1) {
            throw new UsageException("--count must be at least 1, got " + count);
        }
        if (from != null && !ENTRY_ID.matcher(from).matches()) {
            throw new UsageException("--from '" + from + "' is not an entry id like 1700000000000-0");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (CommandContext cli = new CommandContext()) {
            String name = stream != null ? stream : cli.bean("streams", Streams.class).deployment();
            var factory = cli.bean("redisConnectionFactory", LettuceConnectionFactory.class);
            try (var connection = new StreamReadConnection(factory)) {
                byte[] key = name.getBytes(StandardCharsets.UTF_8);
                String type = connection.sync().type(key);
                if (!"stream".equals(type)) {
                    throw new UsageException("none".equals(type) ? "no stream '" + name + "' in Redis"
                            : "'" + name + "' is a " + type + ", not a stream");
                }
                List<StreamMessage<byte[], byte[]>> entries;
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

    private static void print(StreamMessage<byte[], byte[]> entry, boolean json, PrintWriter out, PrintWriter err)
            throws Exception {
        byte[] payload = null;
        for (Map.Entry<byte[], byte[]> field : entry.getBody().entrySet()) {
            if (EntryLayout.FIELD_PAYLOAD.equals(new String(field.getKey(), StandardCharsets.UTF_8))) {
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
