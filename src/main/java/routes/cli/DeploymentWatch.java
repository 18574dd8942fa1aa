package routes.cli;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.sync.RedisStreamCommands;
import org.apache.camel.CamelContext;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import routes.deploy.DeploymentRun;
import routes.deploy.Orchestrator;
import routes.deploy.RunPhase;
import routes.events.EntryLayout;
import routes.events.EventFormat;
import routes.events.InvalidEventException;
import routes.events.Streams;
import routes.events.proto.DeploymentEvent;

/**
 * Follows one deployment from the command line: its events on the four streams into a {@link DeploymentView}, until
 * the stored run ends or the wait runs out. A viewer, not part of the deployment: it reads the streams with XRANGE
 * and joins no consumer group.
 */
final class DeploymentWatch {

    /** Exit codes of a followed deployment (docs/deploying.md). */
    static final int FAILED = 1;
    static final int CANCELLED = 5;

    private static final long TICK_MILLIS = 250;

    private final CamelContext camel;
    private final Orchestrator orchestrator;
    private final DeploymentView view;

    /** @param camel Printery's context, for its stream names and Redis connection */
    DeploymentWatch(CamelContext camel, Orchestrator orchestrator, DeploymentView view) {
        this.camel = camel;
        this.orchestrator = orchestrator;
        this.view = view;
    }

    /**
     * Shows the deployment until it ends (then its summary) or {@code wait} passes (null: no limit).
     *
     * @return the exit code: 0 completed, 1 failed, rolled back or still running at the limit, 5 cancelled
     */
    int follow(DeploymentRun run, Duration wait, String recordUrl, java.io.PrintWriter out) throws InterruptedException {
        Instant until = wait == null ? null : Instant.now().plus(wait);
        Streams streams = camel.getRegistry().lookupByNameAndType("streams", Streams.class);
        var factory = camel.getRegistry().lookupByNameAndType("redisConnectionFactory", LettuceConnectionFactory.class);
        Map<String, String> after = new HashMap<>();
        List<String> names = List.of(streams.deployment(), streams.validation(), streams.dependency(), streams.health());
        names.forEach(name -> after.put(name, "-"));
        try (var connection = new StreamReadConnection(factory)) {
            while (true) {
                // Read the run first: events it has published are on the streams by the time it is seen ended.
                DeploymentRun now = orchestrator.find(run.id()).orElseThrow();
                for (DeploymentEvent event : newEvents(connection.sync(), names, after)) {
                    if (event.getDeploymentId().equals(run.id())) {
                        view.accept(event);
                    }
                }
                view.redraw(Instant.now());
                if (now.phase().terminal()) {
                    view.summary(now, recordUrl);
                    return now.phase() == RunPhase.COMPLETED ? 0 : now.phase() == RunPhase.CANCELLED ? CANCELLED : FAILED;
                }
                if (until != null && Instant.now().isAfter(until)) {
                    out.printf("%s still %s after %s; it goes on (printery deploy cancel %s stops it)%n", now.id(),
                            now.phase(), wait.toString().substring(2).toLowerCase(java.util.Locale.ROOT), now.id());
                    return FAILED;
                }
                Thread.sleep(TICK_MILLIS);
            }
        }
    }

    /**
     * The entries added since the last call, across the streams in entry-id order (ids are times on one server; on a
     * cluster, of each stream's node).
     */
    private static List<DeploymentEvent> newEvents(RedisStreamCommands<byte[], byte[]> redis, List<String> names,
                                                   Map<String, String> after) {
        List<StreamMessage<byte[], byte[]>> entries = new ArrayList<>();
        for (String name : names) {
            for (var entry : redis.xrange(name.getBytes(StandardCharsets.UTF_8), Range.create(after.get(name), "+"))) {
                after.put(name, "(" + entry.getId());
                entries.add(entry);
            }
        }
        entries.sort(Comparator.comparing(StreamMessage::getId, DeploymentWatch::compareIds));
        List<DeploymentEvent> events = new ArrayList<>();
        for (var entry : entries) {
            for (var field : entry.getBody().entrySet()) {
                if (new String(field.getKey(), StandardCharsets.UTF_8).equals(EntryLayout.FIELD_PAYLOAD)) {
                    try {
                        events.add(EventFormat.decode(field.getValue()));
                    } catch (InvalidEventException e) {
                        // Not an event (the workers dead-letter it): nothing to show.
                    }
                }
            }
        }
        return events;
    }

    private static int compareIds(String a, String b) {
        int dash = a.indexOf('-');
        int other = b.indexOf('-');
        int byTime = Long.compare(Long.parseLong(a.substring(0, dash)), Long.parseLong(b.substring(0, other)));
        return byTime != 0 ? byTime : Long.compare(Long.parseLong(a.substring(dash + 1)), Long.parseLong(b.substring(other + 1)));
    }
}
