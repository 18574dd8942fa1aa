package routes.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs.StreamOffset;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two processes sharing one consumer group, against one process alone, in the same run and on the same entries: each
 * process ({@link BenchPeer}, a JVM of its own) warms up on a group of its own, then all of them are told to go at
 * once, and the drain is timed from there until the group has read every entry and has none pending. Each entry must
 * be handled exactly once across the processes: the handled counts add up to the entries, or the probe fails.
 */
final class SharedGroupsProbe {

    private static final Logger LOG = LoggerFactory.getLogger(SharedGroupsProbe.class);
    private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(300);

    private SharedGroupsProbe() {
    }

    /** The figures, or none when this JVM was not started from a jar (no jar to start the processes from). */
    static Map<String, Object> measure(String url, StatefulRedisConnection<byte[], byte[]> connection, long warmup,
                                       long events) throws Exception {
        Path jar = RunProbe.ownJar();
        if (jar == null) {
            LOG.warn("Not running from printery.jar: skipping the two-process probe");
            return Map.of();
        }
        String prefix = "printery:bench:peers:" + UUID.randomUUID();
        String warmupStream = prefix + ":warmup";
        String stream = prefix + ":measured";
        RedisCommands<byte[], byte[]> redis = connection.sync();
        try {
            LOG.info("Pre-filling {} with {} warm-up entries and {} with {}", warmupStream, warmup, stream, events);
            BenchEvents.prefill(connection, warmupStream, warmup);
            BenchEvents.prefill(connection, stream, events);
            Drain one = drain(jar, url, redis, warmupStream, warmup, stream, "bench-peers-1", 1);
            Drain two = drain(jar, url, redis, warmupStream, warmup, stream, "bench-peers-2", 2);
            LOG.info("one process: {} events/s; two processes sharing the group: {} events/s, handled {}",
                    Math.round(one.perSecond()), Math.round(two.perSecond()), two.handled());
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("one_process_events_per_s", Math.round(one.perSecond()));
            result.put("two_processes_events_per_s", Math.round(two.perSecond()));
            result.put("ratio_two_processes", Math.round(two.perSecond() / one.perSecond() * 1000) / 1000.0);
            result.put("two_processes_handled", two.handled());
            return result;
        } finally {
            redis.del(bytes(warmupStream), bytes(stream));
        }
    }

    private record Drain(double perSecond, List<Long> handled) {
    }

    private static Drain drain(Path jar, String url, RedisCommands<byte[], byte[]> redis, String warmupStream,
                               long warmup, String stream, String group, int processes) throws Exception {
        redis.xgroupCreate(StreamOffset.from(bytes(stream), "0"), bytes(group), XGroupCreateArgs.Builder.mkstream());
        String java = ProcessHandle.current().info().command().orElse("java");
        List<Process> peers = new ArrayList<>();
        try {
            for (int i = 0; i < processes; i++) {
                // The peer's warm-up group is created by its consumer, from the stream's start (startId 0).
                ProcessBuilder builder = new ProcessBuilder(java, "-cp", jar.toString(), BenchPeer.class.getName(), url,
                        warmupStream, String.valueOf(warmup), stream, group);
                builder.redirectError(ProcessBuilder.Redirect.INHERIT);
                peers.add(builder.start());
            }
            List<BufferedReader> outputs = new ArrayList<>();
            for (Process peer : peers) {
                BufferedReader output = new BufferedReader(new InputStreamReader(peer.getInputStream(), StandardCharsets.UTF_8));
                expect(output, "warm", peer);
                outputs.add(output);
            }
            String lastId = redis.xrevrange(bytes(stream), Range.create("-", "+"), Limit.from(1)).get(0).getId();
            tell(peers, "go");
            long start = System.nanoTime();
            long deadline = start + TIMEOUT_NANOS;
            while (!drained(redis, stream, lastId, group)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(processes + " processes did not drain " + stream + " within 300 s");
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
            long took = System.nanoTime() - start;
            tell(peers, "stop");
            List<Long> handled = new ArrayList<>();
            for (int i = 0; i < peers.size(); i++) {
                handled.add(Long.parseLong(expect(outputs.get(i), "handled ", peers.get(i)).substring("handled ".length())));
            }
            long events = redis.xlen(bytes(stream));
            if (handled.stream().mapToLong(Long::longValue).sum() != events) {
                throw new IllegalStateException(processes + " processes handled " + handled + " of " + events
                        + " entries: some twice or some not at all");
            }
            return new Drain(events * 1e9 / took, handled);
        } finally {
            for (Process peer : peers) {
                peer.destroy();
                if (!peer.waitFor(30, TimeUnit.SECONDS)) {
                    peer.destroyForcibly();
                }
            }
        }
    }

    /** Every entry delivered to the group (its last delivered id is the stream's last) and none pending. */
    private static boolean drained(RedisCommands<byte[], byte[]> redis, String stream, String lastId, String group) {
        Map<String, Object> fields = BenchRedis.group(redis.xinfoGroups(bytes(stream)), group);
        if (fields == null) {
            throw new IllegalStateException("no group " + group + " on " + stream);
        }
        return lastId.equals(fields.get("last-delivered-id")) && (Long) fields.get("pending") == 0;
    }

    private static String expect(BufferedReader output, String start, Process peer) throws IOException {
        String line = output.readLine();
        if (line == null || !line.startsWith(start)) {
            throw new IllegalStateException("bench peer " + peer.pid() + " said " + line + ", expected " + start.strip());
        }
        return line;
    }

    private static void tell(List<Process> peers, String word) {
        for (Process peer : peers) {
            PrintWriter input = new PrintWriter(peer.getOutputStream(), true, StandardCharsets.UTF_8);
            input.println(word);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
