package routes.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import routes.app.CommandContext;

/**
 * One process of the two-process probe ({@link SharedGroupsProbe}): the bench's prefetching route in a JVM of its
 * own. It warms up on a group of its own first, says {@code warm}, starts the measured route on the shared group at
 * {@code go}, and at {@code stop} says how many entries it handled. Logs go to stderr; stdout is the protocol.
 *
 * <p>Arguments: Redis URL, warm-up stream, warm-up entries, measured stream, shared group.
 */
public final class BenchPeer {

    private BenchPeer() {
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String warmupStream = args[1];
        long warmup = Long.parseLong(args[2]);
        String stream = args[3];
        String group = args[4];
        BufferedReader parent = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try (CommandContext camel = new CommandContext(url, Bench.CAMEL_SETTINGS)) {
            String warmupGroup = group + "-warmup-" + ProcessHandle.current().pid();
            BenchSink warm = new BenchSink();
            Bench.addRoute(camel, warmupStream, warmupGroup, true, 1, warm);
            camel.camel().getRouteController().startRoute(warmupGroup);
            while (warm.count() < warmup) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            }
            camel.camel().getRouteController().stopRoute(warmupGroup);
            System.out.println("warm");
            expect(parent, "go");
            BenchSink sink = new BenchSink();
            Bench.addRoute(camel, stream, group, true, 1, sink);
            camel.camel().getRouteController().startRoute(group);
            expect(parent, "stop");
            camel.camel().getRouteController().stopRoute(group);
            System.out.println("handled " + sink.count());
        }
    }

    private static void expect(BufferedReader parent, String word) throws Exception {
        String line = parent.readLine();
        if (!word.equals(line)) {
            throw new IllegalStateException("expected '" + word + "' from the bench, got " + line);
        }
    }
}
