package routes.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.lettuce.core.Consumer;
import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.XReadArgs.StreamOffset;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import org.apache.camel.builder.RouteBuilder;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import routes.app.CommandContext;
import routes.events.EventTypes;
import routes.events.proto.DeploymentEvent;
import routes.events.EntryLayout;

/**
 * {@code printery bench [--events N] [--no-run-probe]}: in one run and on the same pre-filled entries, drains them with a raw
 * Lettuce XREADGROUP/XACK loop and with the Camel route {@code redis-streams -> unmarshal -> filter -> bean}, then
 * measures publish-to-completion latency through that route at a paced rate, and the start-up time and idle RSS of
 * {@code printery run}. Logs go to stderr; the last stdout line is one JSON object. See docs/benchmarks.md.
 */
public final class Bench {

    private static final Logger LOG = LoggerFactory.getLogger(Bench.class);
    private static final int BATCH = 100;
    private static final int PACED_RATE = 5_000;
    private static final long PACED_WARMUP_MILLIS = 1_000;
    private static final long PACED_MILLIS = 5_000;
    private static final long DRAIN_TIMEOUT_SECONDS = 300;
    /** Starts of `printery run` measured: the launcher is the measured configuration, `java -jar` the JVM's defaults. */
    private static final int LAUNCHER_STARTS = 5;
    private static final int JAR_STARTS = 3;
    /*
     * Entries drained before timing starts, by each reader. The JIT needs about 100k events on 2 cores to compile
     * Camel's path (far more code than the raw loop, which is compiled after a few thousand): a shorter warm-up
     * measures the compiler, not the route.
     */
    private static final long WARMUP = 200_000;
    private static final String RAW_GROUP = "bench-raw";
    /** The raw loop pipelined as the prefetching route is: read-ahead, XACK not waited for. */
    private static final String RAW_PIPELINED_GROUP = "bench-raw-pipelined";
    private static final String ROUTE_GROUP = "bench-route";
    /** The same route without prefetch (the component's default), on its own group over the same entries. */
    private static final String DEFAULT_ROUTE_GROUP = "bench-route-default";
    /** The consumer's thread name contains this (Camel names it after the group). */
    private static final String ROUTE_THREAD = "RedisStreams[" + ROUTE_GROUP + "]";
    /** The prefetching route with this many concurrentConsumers, each on a group of its own over the same entries. */
    private static final List<Integer> MORE_CONSUMERS = List.of(2, 4);

    /*
     * The bench context is a lean Camel: no JMX, metrics or HTTP server (as for every CLI command), no message
     * history, no inflight browsing, pooled exchanges, no stream caching (the body is a byte[]: nothing to cache).
     * Headers stay case-insensitive as in `printery run`. docs/benchmarks.md states the same for the figures.
     */
    static final Map<String, String> CAMEL_SETTINGS = Map.of(
            "camel.main.messageHistory", "false",
            "camel.main.inflightRepositoryBrowseEnabled", "false",
            "camel.main.exchangeFactory", "pooled",
            "camel.main.streamCachingEnabled", "false");

    private Bench() {
    }

    /**
     * Runs the benchmark: {@code events} entries per reader after the warm-up, and the start-up probe unless told
     * not to. Returns the figures as one JSON object.
     */
    public static String run(long events, boolean noRunProbe) throws Exception {
        ObjectMapper json;
        long warmup = WARMUP;
        String stream = "printery:bench:" + UUID.randomUUID();
        byte[] key = stream.getBytes(StandardCharsets.UTF_8);
        BenchSink sink = new BenchSink();
        Map<String, Object> result = new LinkedHashMap<>();
        try (BenchRedis redis = BenchRedis.start()) {
            RedisClient client = RedisClient.create(redis.url());
            try (StatefulRedisConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE)) {
                RedisCommands<byte[], byte[]> sync = connection.sync();
                List<String> groups = new ArrayList<>(List.of(RAW_GROUP, RAW_PIPELINED_GROUP, ROUTE_GROUP, DEFAULT_ROUTE_GROUP));
                MORE_CONSUMERS.forEach(n -> groups.add(consumersGroup(n)));
                for (String group : groups) {
                    sync.xgroupCreate(StreamOffset.from(key, "0"), group.getBytes(StandardCharsets.UTF_8),
                            XGroupCreateArgs.Builder.mkstream());
                }
                LOG.info("Pre-filling {} with {} + {} warm-up entries of {} payload bytes", stream, events, warmup,
                        BenchEvents.event(0).getSerializedSize());
                BenchEvents.prefill(connection, stream, warmup + events);

                Map<Long, Long> cpu = threadCpu("main");
                long allocated = allocatedBytes("main");
                double raw = rawDrain(connection, key, warmup, events);
                double rawCpu = cpuSince(cpu, "main") / 1e3 / (warmup + events);
                long rawAllocated = (allocatedBytes("main") - allocated) / (warmup + events);
                LOG.info("raw Lettuce drain: {} events/s", Math.round(raw));
                cpu = threadCpu("main");
                allocated = allocatedBytes("main");
                double rawPipelined = rawPipelinedDrain(connection, key, warmup, events);
                double rawPipelinedCpu = cpuSince(cpu, "main") / 1e3 / (warmup + events);
                long rawPipelinedAllocated = (allocatedBytes("main") - allocated) / (warmup + events);
                LOG.info("raw Lettuce drain, pipelined: {} events/s", Math.round(rawPipelined));

                try (CommandContext camel = new CommandContext(redis.url(), CAMEL_SETTINGS)) {
                    json = camel.bean("jsonMapper", ObjectMapper.class);
                    addRoute(camel, stream, ROUTE_GROUP, true, 1, sink);
                    cpu = threadCpu(ROUTE_THREAD);
                    double route = routeDrain(camel, sync, key, ROUTE_GROUP, sink, warmup, events);
                    double routeCpu = cpuSince(cpu, ROUTE_THREAD) / 1e3 / (warmup + events);
                    // The consumer thread starts with the route: all it allocated was for these entries.
                    long routeAllocated = allocatedBytes(ROUTE_THREAD) / (warmup + events);
                    LOG.info("Camel route drain: {} events/s ({}x raw)", Math.round(route), ratio(route, raw));
                    camel.camel().getRouteController().stopRoute(ROUTE_GROUP);
                    BenchSink defaultSink = new BenchSink();
                    addRoute(camel, stream, DEFAULT_ROUTE_GROUP, false, 1, defaultSink);
                    double routeDefault = routeDrain(camel, sync, key, DEFAULT_ROUTE_GROUP, defaultSink, warmup, events);
                    LOG.info("Camel route drain without prefetch: {} events/s ({}x raw)", Math.round(routeDefault),
                            ratio(routeDefault, raw));
                    camel.camel().getRouteController().stopRoute(DEFAULT_ROUTE_GROUP);
                    Map<Integer, Double> withConsumers = new LinkedHashMap<>();
                    for (int n : MORE_CONSUMERS) {
                        BenchSink consumersSink = new BenchSink();
                        addRoute(camel, stream, consumersGroup(n), true, n, consumersSink);
                        withConsumers.put(n, routeDrain(camel, sync, key, consumersGroup(n), consumersSink, warmup, events));
                        LOG.info("Camel route drain with {} concurrent consumers: {} events/s", n,
                                Math.round(withConsumers.get(n)));
                        camel.camel().getRouteController().stopRoute(consumersGroup(n));
                    }
                    camel.camel().getRouteController().startRoute(ROUTE_GROUP);
                    long[] latencies = paced(client, key, sink);
                    result.put("events", events);
                    result.put("warmup_events", warmup);
                    result.put("payload_bytes", BenchEvents.event(0).getSerializedSize());
                    result.put("batch_size", BATCH);
                    result.put("raw_events_per_s", Math.round(raw));
                    result.put("route_events_per_s", Math.round(route));
                    result.put("ratio", ratio(route, raw));
                    result.put("raw_pipelined_events_per_s", Math.round(rawPipelined));
                    result.put("ratio_pipelined", ratio(route, rawPipelined));
                    result.put("route_no_prefetch_events_per_s", Math.round(routeDefault));
                    result.put("ratio_no_prefetch", ratio(routeDefault, raw));
                    withConsumers.forEach((n, rate) -> {
                        result.put("route_consumers_" + n + "_events_per_s", Math.round(rate));
                        result.put("ratio_consumers_" + n, ratio(rate, route));
                    });
                    result.put("raw_cpu_us_per_event", Math.round(rawCpu * 100) / 100.0);
                    result.put("raw_pipelined_cpu_us_per_event", Math.round(rawPipelinedCpu * 100) / 100.0);
                    result.put("route_cpu_us_per_event", Math.round(routeCpu * 100) / 100.0);
                    result.put("raw_alloc_bytes_per_event", rawAllocated);
                    result.put("raw_pipelined_alloc_bytes_per_event", rawPipelinedAllocated);
                    result.put("route_alloc_bytes_per_event", routeAllocated);
                    result.put("paced_rate_per_s", PACED_RATE);
                    result.put("paced_events", latencies.length);
                    result.put("paced_p50_ms", millis(percentile(latencies, 0.50)));
                    result.put("paced_p99_ms", millis(percentile(latencies, 0.99)));
                    result.put("paced_max_ms", millis(latencies.length == 0 ? 0 : latencies[latencies.length - 1]));
                }
                result.put("redis_version", redisVersion(sync));
                sync.del(key);
                if (noRunProbe) {
                    LOG.info("Skipping the two-process probe (--no-run-probe)");
                } else {
                    result.putAll(SharedGroupsProbe.measure(redis.url(), connection, warmup, events));
                }
            } finally {
                client.shutdown();
            }
            if (noRunProbe) {
                LOG.info("Skipping the `printery run` probe (--no-run-probe)");
            } else if (System.getenv("PRINTERY_REDIS_URL") == null || System.getenv("PRINTERY_REDIS_URL").isBlank()) {
                putStarts(result, "run", RunProbe.measureJar(redis.url(), JAR_STARTS));
                putStarts(result, "launcher", RunProbe.measureLauncher(redis.url(), LAUNCHER_STARTS));
            } else {
                LOG.warn("Skipping the `printery run` probe: it would create the app's consumer groups on PRINTERY_REDIS_URL");
            }
        }
        result.put("cores", Runtime.getRuntime().availableProcessors());
        result.put("java", System.getProperty("java.version"));
        return json.writeValueAsString(result);
    }

    private static void putStarts(Map<String, Object> result, String prefix, RunProbe.Result starts) {
        if (starts == null) {
            return;
        }
        result.put(prefix + "_started_ms", starts.median().startedMillis());
        result.put(prefix + "_started_min_ms", starts.minMillis());
        result.put(prefix + "_started_max_ms", starts.maxMillis());
        result.put(prefix + "_starts", starts.runs());
        result.put(prefix + "_camel_reported", starts.median().camelReported());
        result.put(prefix + "_idle_rss_mib", starts.median().idleRssMib());
    }

    /** XREADGROUP COUNT 100 and one XACK per batch, on one connection, as fast as Redis answers. */
    private static double rawDrain(StatefulRedisConnection<byte[], byte[]> connection, byte[] key, long warmup, long events) {
        RedisCommands<byte[], byte[]> redis = connection.sync();
        Consumer<byte[]> consumer = Consumer.from(RAW_GROUP.getBytes(StandardCharsets.UTF_8), "raw".getBytes(StandardCharsets.UTF_8));
        XReadArgs read = XReadArgs.Builder.count(BATCH).block(2_000);
        long done = 0;
        long start = 0;
        List<String> ids = new ArrayList<>(BATCH);
        while (done < warmup + events) {
            if (done >= warmup && start == 0) {
                start = System.nanoTime();
            }
            List<StreamMessage<byte[], byte[]>> batch = redis.xreadgroup(consumer, read, StreamOffset.lastConsumed(key));
            if (batch.isEmpty()) {
                throw new IllegalStateException("raw drain found no more entries after " + done);
            }
            ids.clear();
            for (StreamMessage<byte[], byte[]> m : batch) {
                ids.add(m.getId());
            }
            redis.xack(key, consumer.getGroup(), ids.toArray(String[]::new));
            done += batch.size();
        }
        return perSecond(done - warmup, System.nanoTime() - start);
    }

    /**
     * As the prefetching route reads: the next batch is asked for (without BLOCK after a full one) before the XACK
     * of the current one is sent, and no XACK is waited for, so the loop never waits for Redis between batches.
     */
    private static double rawPipelinedDrain(StatefulRedisConnection<byte[], byte[]> connection, byte[] key, long warmup,
                                            long events) {
        RedisAsyncCommands<byte[], byte[]> redis = connection.async();
        Consumer<byte[]> consumer = Consumer.from(RAW_PIPELINED_GROUP.getBytes(StandardCharsets.UTF_8),
                "raw".getBytes(StandardCharsets.UTF_8));
        XReadArgs read = XReadArgs.Builder.count(BATCH).block(2_000);
        XReadArgs readNoBlock = XReadArgs.Builder.count(BATCH);
        StreamOffset<byte[]> offset = StreamOffset.lastConsumed(key);
        long done = 0;
        long start = 0;
        RedisFuture<List<StreamMessage<byte[], byte[]>>> next = redis.xreadgroup(consumer, read, offset);
        RedisFuture<Long> lastAck = null;
        while (done < warmup + events) {
            if (done >= warmup && start == 0) {
                start = System.nanoTime();
            }
            List<StreamMessage<byte[], byte[]>> batch = LettuceFutures.awaitOrCancel(next, 10, TimeUnit.SECONDS);
            if (batch.isEmpty()) {
                throw new IllegalStateException("pipelined raw drain found no more entries after " + done);
            }
            done += batch.size();
            if (done < warmup + events) {
                next = redis.xreadgroup(consumer, batch.size() == BATCH ? readNoBlock : read, offset);
            }
            String[] ids = new String[batch.size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = batch.get(i).getId();
            }
            lastAck = redis.xack(key, consumer.getGroup(), ids);
        }
        // Replies come in order: the last XACK answered, all did.
        LettuceFutures.awaitOrCancel(lastAck, 10, TimeUnit.SECONDS);
        return perSecond(done - warmup, System.nanoTime() - start);
    }

    private static String consumersGroup(int consumers) {
        return ROUTE_GROUP + "-consumers-" + consumers;
    }

    /** The route is named after its group. A lambda: the bench's routes belong to no other context. */
    static void addRoute(CommandContext camel, String stream, String group, boolean prefetch, int consumers,
                         BenchSink sink) throws Exception {
        RouteBuilder.addRoutes(camel.camel(), rb -> rb
                .from("redis-streams:" + stream + "?group=" + group + "&batchSize=" + BATCH + "&prefetch=" + prefetch
                        + "&concurrentConsumers=" + consumers + "&consumerName=bench-" + ProcessHandle.current().pid())
                .routeId(group).autoStartup(false)
                .unmarshal().custom("eventFormat")
                .filter(e -> EventTypes.isStageCompleted(e.getIn().getHeader(EntryLayout.EVENT_TYPE, String.class)))
                .bean(sink, "accept"));
    }

    /** From the moment the warm-up's last event reached the bean until every measured entry is acked. */
    private static double routeDrain(CommandContext camel, RedisCommands<byte[], byte[]> redis, byte[] key, String group,
                                     BenchSink sink, long warmup, long events) throws Exception {
        sink.markAt(warmup);
        camel.camel().getRouteController().startRoute(group);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DRAIN_TIMEOUT_SECONDS);
        while (sink.count() < warmup + events || pending(redis, key, group) > 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the route drained " + sink.count() + " of " + (warmup + events)
                        + " entries within " + DRAIN_TIMEOUT_SECONDS + " s");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(sink.count() < warmup + events ? 5 : 1));
        }
        long end = System.nanoTime();
        if (sink.count() != warmup + events) {
            throw new IllegalStateException("the route handled " + sink.count() + " entries, expected " + (warmup + events));
        }
        return perSecond(events, end - sink.markNanos());
    }

    private static long pending(RedisCommands<byte[], byte[]> redis, byte[] key, String group) {
        return redis.xpending(key, group.getBytes(StandardCharsets.UTF_8)).getCount();
    }

    /**
     * PACED_RATE events/s for PACED_WARMUP_MILLIS (not recorded) then PACED_MILLIS (recorded), each XADDed on
     * schedule on its own connection. Latency = from just before the XADD until the route's exchange completed
     * (the moment the consumer queues the entry's XACK, which it sends as soon as its current read batch is done).
     */
    private static long[] paced(RedisClient client, byte[] key, BenchSink sink) throws Exception {
        int warm = (int) (PACED_RATE * PACED_WARMUP_MILLIS / 1000);
        int measured = (int) (PACED_RATE * PACED_MILLIS / 1000);
        sink.expectLatencies(measured);
        long interval = TimeUnit.SECONDS.toNanos(1) / PACED_RATE;
        try (StatefulRedisConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE)) {
            var async = connection.async();
            long start = System.nanoTime();
            for (int i = 0; i < warm + measured; i++) {
                long due = start + i * interval;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                DeploymentEvent event = BenchEvents.event(i);
                Map<byte[], byte[]> entry = EntryLayout.entryOf(event);
                if (i >= warm) {
                    sink.sent(event.getEventId(), System.nanoTime());
                }
                async.xadd(key, entry);
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (sink.recorded() < measured && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
        if (sink.recorded() < measured) {
            throw new IllegalStateException("only " + sink.recorded() + " of " + measured + " paced events completed");
        }
        long[] latencies = sink.latencies().clone();
        Arrays.sort(latencies);
        LOG.info("paced {} events/s: p50 {} ms, p99 {} ms", PACED_RATE, millis(percentile(latencies, 0.5)),
                millis(percentile(latencies, 0.99)));
        return latencies;
    }

    private static String redisVersion(RedisCommands<byte[], byte[]> redis) {
        for (String line : redis.info("server").split("\r?\n")) {
            if (line.startsWith("redis_version:")) {
                return line.substring("redis_version:".length()).trim();
            }
        }
        return "unknown";
    }

    /**
     * CPU time per thread of the draining thread (named {@code worker}) and of Lettuce's I/O threads, which decode
     * the replies: a cost per event that other processes on the machine move far less than they move throughput.
     */
    private static Map<Long, Long> threadCpu(String worker) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Map<Long, Long> cpu = new HashMap<>();
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && (info.getThreadName().startsWith("lettuce-nioEventLoop")
                    || info.getThreadName().equals(worker) || info.getThreadName().contains(worker))) {
                cpu.put(info.getThreadId(), Math.max(0, threads.getThreadCpuTime(info.getThreadId())));
            }
        }
        return cpu;
    }

    /** Bytes allocated so far by the thread whose name contains {@code name}: load cannot move this. */
    private static long allocatedBytes(String name) {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long total = 0;
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && info.getThreadName().contains(name)) {
                total += threads.getThreadAllocatedBytes(info.getThreadId());
            }
        }
        return total;
    }

    private static long cpuSince(Map<Long, Long> before, String worker) {
        long total = 0;
        for (Map.Entry<Long, Long> now : threadCpu(worker).entrySet()) {
            total += now.getValue() - before.getOrDefault(now.getKey(), 0L);
        }
        return total;
    }

    private static double perSecond(long count, long nanos) {
        return count * 1e9 / nanos;
    }

    private static double ratio(double route, double raw) {
        return Math.round(route / raw * 1000) / 1000.0;
    }

    private static long percentile(long[] sorted, double p) {
        return sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
    }

    private static double millis(long nanos) {
        return Math.round(nanos / 1e4) / 100.0;
    }
}
