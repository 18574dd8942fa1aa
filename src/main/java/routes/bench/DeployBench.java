package routes.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.XReadArgs.StreamOffset;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import routes.app.CommandContext;
import routes.deploy.DeployRequest;
import routes.deploy.Orchestrator;
import routes.events.EntryLayout;
import routes.events.EventFormat;
import routes.events.EventTypes;
import routes.events.proto.DependencyCheckCompletedEvent;
import routes.events.proto.DependencyCheckResult;
import routes.events.proto.DeploymentEvent;
import routes.events.proto.DeploymentStatus;
import routes.events.proto.HealthCheckCompletedEvent;
import routes.events.proto.HealthStatus;
import routes.events.proto.ValidationCompletedEvent;
import routes.events.proto.ValidationResult;

/**
 * {@code printery bench --deploy}: the orchestrator's own coordination cost. Its routes run in this process on a
 * private Redis and an in-memory H2, deploying a 3-stage, 8-service manifest with zero-duration simulated deployers;
 * the workers are replaced by a responder that answers each gate at once (validation PASSED, health HEALTHY,
 * dependencies ALL_HEALTHY), so what is measured is publishing, the database's compare-and-set steps and the
 * orchestrator's consumer group, not the checks. One after another, each gate is answered at once; while many run
 * at once, after a random 0 to {@value #CONCURRENT_SPREAD_MILLIS} ms, as workers finish their checks at different
 * moments (answered all at the same instant, the gates of every deployment would queue behind each other).
 * Baseline, same run: the time from an XADD to a blocked XREAD seeing it, the floor of any gate.
 *
 * <p>Then the deployment record: route shield (group printery-shield, not started until then) catches up with every
 * event of the runs before, runs through as many concurrent rounds uncounted (its warm-up), and the concurrent rounds
 * run again while the group's lag and pending entries on the
 * four streams are sampled (XINFO GROUPS every {@value #LAG_SAMPLE_MILLIS} ms); after each round, the time from its
 * last event to every one of its deployments being SUCCESS in the record with nothing left to read.
 */
public final class DeployBench {

    private static final Logger LOG = LoggerFactory.getLogger(DeployBench.class);
    private static final int WARMUP_RUNS = 20;
    private static final int BASELINE_SAMPLES = 500;
    private static final long RUN_TIMEOUT_SECONDS = 60;
    private static final int CONCURRENT_SPREAD_MILLIS = 200;
    /** Rounds of concurrent deployments: enough gates for a steady p99. */
    private static final int CONCURRENT_ROUNDS = 5;
    private static final int LAG_SAMPLE_MILLIS = 10;
    private static final long CATCH_UP_TIMEOUT_SECONDS = 300;
    private static final String SHIELD_GROUP = "printery-shield";
    private static final String MANIFEST = """
            stages:
              - name: vercel
                services: [canvas, office, frame]
                deployer: simulated
              - name: railway
                services: [api, shield, relay, printery]
                checkDependencies: true
                deployer: simulated
              - name: folio
                services: [folio]
                deployer: simulated
            services:
              canvas: {image: materi/canvas, deploy: {duration: 0s}}
              office: {image: materi/office, deploy: {duration: 0s}}
              frame: {image: materi/frame, deploy: {duration: 0s}}
              api: {image: materi/api, deploy: {duration: 0s}}
              shield: {image: materi/shield, deploy: {duration: 0s}}
              relay: {image: materi/relay, deploy: {duration: 0s}}
              printery: {image: materi/printery, deploy: {duration: 0s}}
              folio: {image: materi/folio, deploy: {duration: 0s}}
            """;
    private static final Set<String> DEPENDENCY_STAGES = Set.of("railway");

    private DeployBench() {
    }

    /** Returns the JSON object of the figures (docs/benchmarks.md). */
    public static String run(int runs, int concurrent) throws Exception {
        String prefix = "printery:bench-deploy:" + UUID.randomUUID();
        Path dir = Files.createTempDirectory("printery-bench-deploy-");
        Path manifest = Files.writeString(dir.resolve("manifest.yaml"), MANIFEST);
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("camel.main.routesCollectorEnabled", "true");
        // The orchestrator's routes only: the responder stands in for the workers. The record's route (shield) is
        // started for the last phase only, so the figures before it are the orchestrator's alone.
        settings.put("camel.main.routeFilterIncludePattern", "orchestrator*,publish,shield");
        settings.put("camel.main.autoStartupExcludePattern", "shield");
        settings.put("printery.manifest", manifest.toString());
        settings.put("printery.db.url", "jdbc:h2:mem:bench-deploy-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        settings.put("printery.db.user", "sa");
        settings.put("printery.db.password", "");
        settings.put("printery.data-dir", dir.toString());
        // Zero-cost deployers: the simulated one keeps its runs in memory, without its journal file.
        settings.put("printery.deploy.simulated.journal", "");
        for (String stream : List.of("deployment", "validation", "dependency", "health", "dlq", "record-changes")) {
            settings.put("printery.streams." + stream, prefix + ":" + stream);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        try (BenchRedis redis = BenchRedis.start(); CommandContext app = new CommandContext(redis.url(), settings)) {
            RedisClient client = RedisClient.create(redis.url());
            try (Responder responder = new Responder(client, prefix)) {
                Orchestrator orchestrator = app.bean("orchestrator", Orchestrator.class);
                long[] baseline = baseline(client, prefix + ":baseline");
                LOG.info("Baseline XADD -> XREAD p99: {} ms", millis(percentile(baseline, 0.99)));

                sequential(orchestrator, responder, WARMUP_RUNS);
                responder.gates.clear();
                long cpuBefore = processCpuNanos();
                long[] overhead = sequential(orchestrator, responder, runs);
                long sequentialCpu = processCpuNanos() - cpuBefore;
                long[] sequentialGates = responder.drainGates();
                LOG.info("One deployment's overhead over {} runs: p50 {} ms, p99 {} ms", runs,
                        millis(percentile(overhead, 0.50)), millis(percentile(overhead, 0.99)));

                responder.spreadMillis = CONCURRENT_SPREAD_MILLIS;
                long wall = 0;
                for (int round = 0; round < CONCURRENT_ROUNDS; round++) {
                    wall = Math.max(wall, concurrent(orchestrator, responder, concurrent, round));
                }
                long[] gates = responder.drainGates();
                LOG.info("{} concurrent deployments in {} ms; gate p99 {} ms", concurrent, millis(wall),
                        millis(percentile(gates, 0.99)));

                result.put("deploy_runs", runs);
                result.put("deploy_overhead_p50_ms", millis(percentile(overhead, 0.50)));
                result.put("deploy_overhead_p99_ms", millis(percentile(overhead, 0.99)));
                result.put("sequential_gate_p50_ms", millis(percentile(sequentialGates, 0.50)));
                result.put("deploy_cpu_ms_per_deployment", millis(sequentialCpu / runs));
                result.put("concurrent_deployments", concurrent);
                result.put("concurrent_rounds", CONCURRENT_ROUNDS);
                result.put("concurrent_wall_max_ms", millis(wall));
                result.put("concurrent_result_spread_ms", CONCURRENT_SPREAD_MILLIS);
                result.put("gate_p50_ms", millis(percentile(gates, 0.50)));
                result.put("gate_p99_ms", millis(percentile(gates, 0.99)));
                result.put("gate_samples", gates.length);
                result.put("baseline_xadd_to_xread_p50_ms", millis(percentile(baseline, 0.50)));
                result.put("baseline_xadd_to_xread_p99_ms", millis(percentile(baseline, 0.99)));
                result.put("gate_p99_over_baseline_p99", Math.round(percentile(gates, 0.99)
                        / (double) Math.max(1, percentile(baseline, 0.99)) * 10) / 10.0);

                record(app, client, prefix, orchestrator, responder, concurrent, result);
            } finally {
                client.shutdown();
            }
            result.put("cores", Runtime.getRuntime().availableProcessors());
            result.put("java", System.getProperty("java.version"));
            return app.bean("jsonMapper", ObjectMapper.class).writeValueAsString(result);
        }
    }

    /** Deployments one after another to one environment: each one's time from submit to deployment:completed. */
    private static long[] sequential(Orchestrator orchestrator, Responder responder, int runs) throws Exception {
        long[] took = new long[runs];
        for (int i = 0; i < runs; i++) {
            String id = UUID.randomUUID().toString();
            CountDownLatch done = responder.expect(id);
            long start = System.nanoTime();
            orchestrator.deploy(new DeployRequest(id, "v" + i, "bench", "rolling", List.of(), "bench"));
            await(done, id);
            took[i] = System.nanoTime() - start;
            // The environment is free once the run is stored as ended, a moment after its last event.
            while (!orchestrator.find(id).orElseThrow().phase().terminal()) {
                Thread.onSpinWait();
            }
        }
        Arrays.sort(took);
        return took;
    }

    /** Deployments to that many environments at once: the wall time until all completed. */
    private static long concurrent(Orchestrator orchestrator, Responder responder, int count, int round) throws Exception {
        return concurrent(orchestrator, responder, count, round, new ArrayList<>());
    }

    /** The same, leaving the deployments' ids in {@code ids}. */
    private static long concurrent(Orchestrator orchestrator, Responder responder, int count, int round, List<String> ids)
            throws Exception {
        List<CountDownLatch> latches = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String id = UUID.randomUUID().toString();
            ids.add(id);
            latches.add(responder.expect(id));
        }
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            orchestrator.deploy(new DeployRequest(ids.get(i), "v" + round, "bench-" + i, "rolling", List.of(), "bench"));
        }
        for (int i = 0; i < count; i++) {
            await(latches.get(i), ids.get(i));
        }
        long wall = System.nanoTime() - start;
        for (String id : ids) {
            while (!orchestrator.find(id).orElseThrow().phase().terminal()) {
                Thread.onSpinWait();
            }
        }
        return wall;
    }

    private static void await(CountDownLatch done, String id) throws InterruptedException {
        if (!done.await(RUN_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            throw new IllegalStateException("deployment " + id + " did not complete within " + RUN_TIMEOUT_SECONDS + " s");
        }
    }

    /**
     * The record keeping up: shield started, its catch-up with the events so far timed, then the concurrent rounds
     * again with the group sampled throughout, and each round's last event to its record complete.
     */
    private static void record(CommandContext app, RedisClient client, String prefix, Orchestrator orchestrator,
                               Responder responder, int concurrent, Map<String, Object> result) throws Exception {
        List<String> streams = List.of(prefix + ":deployment", prefix + ":validation", prefix + ":dependency",
                prefix + ":health");
        JdbcTemplate jdbc = new JdbcTemplate(app.bean("printeryDataSource", DataSource.class));
        try (StatefulRedisConnection<String, String> redis = client.connect()) {
            long backlog = length(redis, streams);
            long start = System.nanoTime();
            app.camel().getRouteController().startRoute("shield");
            long deadline = start + TimeUnit.SECONDS.toNanos(CATCH_UP_TIMEOUT_SECONDS);
            while (!idle(redis, streams)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the record did not catch up with " + backlog + " events within "
                            + CATCH_UP_TIMEOUT_SECONDS + " s");
                }
                Thread.sleep(5);
            }
            long caughtUp = System.nanoTime() - start;
            LOG.info("The record caught up with {} events in {} ms", backlog, millis(caughtUp));

            // Rounds with the record running, not counted: its code is compiled by the JIT only after some thousands
            // of events, more than the catch-up of the default runs gives it.
            for (int round = 0; round < CONCURRENT_ROUNDS; round++) {
                List<String> ids = new ArrayList<>();
                concurrent(orchestrator, responder, concurrent, 2 * CONCURRENT_ROUNDS + round, ids);
                awaitRecorded(jdbc, redis, streams, ids, round);
            }
            responder.gates.clear();
            long[] complete = new long[CONCURRENT_ROUNDS];
            long wall = 0;
            long eventsBefore = length(redis, streams);
            long cpuBefore = shieldCpuNanos();
            try (LagSampler sampler = new LagSampler(client, streams)) {
                for (int round = 0; round < CONCURRENT_ROUNDS; round++) {
                    List<String> ids = new ArrayList<>();
                    wall = Math.max(wall, concurrent(orchestrator, responder, concurrent, CONCURRENT_ROUNDS + round, ids));
                    long last = ids.stream().mapToLong(responder.endedAt::get).max().orElseThrow();
                    awaitRecorded(jdbc, redis, streams, ids, round);
                    complete[round] = System.nanoTime() - last;
                }
                sampler.stop();
                long recorded = length(redis, streams) - eventsBefore;
                long cpu = shieldCpuNanos() - cpuBefore;
                long[] gates = responder.drainGates();
                Arrays.sort(complete);
                LOG.info("With the record: lag max {}, pending max {}, record complete {} ms after the last event (max)",
                        sampler.maxLag, sampler.maxPending, millis(complete[complete.length - 1]));
                result.put("record_backlog_events", backlog);
                result.put("record_catch_up_ms", millis(caughtUp));
                result.put("record_catch_up_events_per_s", Math.round(backlog / (caughtUp / 1e9)));
                result.put("shield_lag_samples", sampler.samples);
                result.put("shield_lag_max", sampler.maxLag);
                result.put("shield_lag_zero_share", Math.round(sampler.zeroLag * 1000.0 / Math.max(1, sampler.samples)) / 1000.0);
                result.put("shield_pending_max", sampler.maxPending);
                result.put("shield_unread_max", sampler.maxUnread);
                result.put("shield_lag_unknown_samples", sampler.unknown);
                result.put("record_complete_after_last_event_p50_ms", millis(percentile(complete, 0.50)));
                result.put("record_complete_after_last_event_max_ms", millis(complete[complete.length - 1]));
                result.put("record_concurrent_wall_max_ms", millis(wall));
                result.put("record_concurrent_events", recorded);
                result.put("record_cpu_us_per_event", Math.round(cpu / 100.0 / Math.max(1, recorded)) / 10.0);
                result.put("record_gate_p50_ms", millis(percentile(gates, 0.50)));
                result.put("record_gate_p99_ms", millis(percentile(gates, 0.99)));
            }
        }
    }

    /** Until every one of the deployments is SUCCESS in the record and the record's group has nothing left to do. */
    private static void awaitRecorded(JdbcTemplate jdbc, StatefulRedisConnection<String, String> redis, List<String> streams,
                                      List<String> ids, int round) throws InterruptedException {
        String in = String.join(",", java.util.Collections.nCopies(ids.size(), "?"));
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(RUN_TIMEOUT_SECONDS);
        while (true) {
            Integer done = jdbc.queryForObject("SELECT COUNT(*) FROM deployment_record WHERE status = 'SUCCESS'"
                    + " AND id IN (" + in + ")", Integer.class, ids.toArray());
            if (done != null && done == ids.size() && idle(redis, streams)) {
                return;
            }
            if (System.nanoTime() > until) {
                throw new IllegalStateException("the record of round " + round + " was not complete within "
                        + RUN_TIMEOUT_SECONDS + " s of its last event");
            }
            Thread.sleep(1);
        }
    }

    private static long length(StatefulRedisConnection<String, String> redis, List<String> streams) {
        long entries = 0;
        for (String stream : streams) {
            entries += redis.sync().xlen(stream);
        }
        return entries;
    }

    /** CPU time so far of this process, all threads (what load on the machine moves least). */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** CPU time so far of the record's consumer threads (route shield), where it records each event. */
    private static long shieldCpuNanos() {
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long total = 0;
        for (java.lang.management.ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && info.getThreadName().contains("RedisStreams[" + SHIELD_GROUP + "]")) {
                total += Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
            }
        }
        return total;
    }

    /** Nothing for the record's group to read or to finish on any of the streams. */
    private static boolean idle(StatefulRedisConnection<String, String> redis, List<String> streams) {
        for (String stream : streams) {
            long[] group = group(redis.sync().xinfoGroups(stream));
            if (group == null || group[0] != 0 || group[1] != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * The record's group in an XINFO GROUPS reply: {lag, pending}, lag -1 when Redis cannot tell it; null when the
     * group does not exist yet.
     */
    private static long[] group(List<Object> groups) {
        Map<String, Object> group = BenchRedis.group(groups, SHIELD_GROUP);
        if (group == null) {
            return null;
        }
        Object lag = group.get("lag");
        return new long[] {lag instanceof Number n ? n.longValue() : -1, ((Number) group.get("pending")).longValue()};
    }

    /** Samples the record's group on every stream: its lag (entries not read yet) and pending (read, not acked). */
    private static final class LagSampler implements AutoCloseable {

        private final StatefulRedisConnection<String, String> redis;
        private final List<String> streams;
        private final Thread thread;
        private volatile boolean running = true;
        long samples;
        long zeroLag;
        long maxLag;
        long maxPending;
        long maxUnread;
        long unknown;

        LagSampler(RedisClient client, List<String> streams) {
            this.redis = client.connect();
            this.streams = streams;
            this.thread = new Thread(this::loop, "bench-lag-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        private void loop() {
            while (running) {
                List<io.lettuce.core.RedisFuture<List<Object>>> replies = new ArrayList<>();
                for (String stream : streams) {
                    replies.add(redis.async().xinfoGroups(stream));
                }
                long lag = 0;
                long pending = 0;
                boolean known = true;
                try {
                    for (var reply : replies) {
                        long[] group = group(reply.get(5, TimeUnit.SECONDS));
                        if (group == null || group[0] < 0) {
                            known = false;
                        } else {
                            lag += group[0];
                        }
                        pending += group == null ? 0 : group[1];
                    }
                } catch (Exception e) {
                    if (running) {
                        LOG.warn("Lag sample failed: {}", e.getMessage());
                    }
                    continue;
                }
                synchronized (this) {
                    samples++;
                    if (!known) {
                        unknown++;
                    } else {
                        zeroLag += lag == 0 ? 1 : 0;
                        maxLag = Math.max(maxLag, lag);
                        maxUnread = Math.max(maxUnread, lag + pending);
                    }
                    maxPending = Math.max(maxPending, pending);
                }
                try {
                    Thread.sleep(LAG_SAMPLE_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join(5_000);
        }

        @Override
        public void close() throws InterruptedException {
            stop();
            redis.close();
        }
    }

    /** XADD then a blocked XREAD on another connection seeing it, sorted nanoseconds. */
    private static long[] baseline(RedisClient client, String stream) throws Exception {
        byte[] key = stream.getBytes(StandardCharsets.UTF_8);
        long[] took = new long[BASELINE_SAMPLES];
        try (var writer = client.connect(ByteArrayCodec.INSTANCE); var reader = client.connect(ByteArrayCodec.INSTANCE)) {
            String last = "0";
            for (int i = 0; i < BASELINE_SAMPLES; i++) {
                String after = last;
                var read = reader.async().xread(XReadArgs.Builder.block(Duration.ofSeconds(5)).count(1),
                        StreamOffset.from(key, after));
                long start = System.nanoTime();
                writer.sync().xadd(key, Map.of("n".getBytes(StandardCharsets.UTF_8), new byte[]{(byte) i}));
                List<StreamMessage<byte[], byte[]>> seen = read.get(10, TimeUnit.SECONDS);
                took[i] = System.nanoTime() - start;
                last = seen.get(0).getId();
            }
            writer.sync().del(key);
        }
        Arrays.sort(took);
        return took;
    }

    /**
     * Stands in for the workers: reads the deployment stream and answers each step the orchestrator waits on, at
     * once; a gate's latency runs from the XADD of its last result to the orchestrator's next event seen.
     */
    private static final class Responder implements AutoCloseable {

        private final StatefulRedisConnection<byte[], byte[]> reader;
        private final StatefulRedisConnection<byte[], byte[]> writer;
        private final String prefix;
        private final Map<String, CountDownLatch> expected = new ConcurrentHashMap<>();
        private final Map<String, Long> answeredAt = new ConcurrentHashMap<>();
        /** When each deployment's deployment:completed (or failed) was seen on the stream. */
        final Map<String, Long> endedAt = new ConcurrentHashMap<>();
        final List<Long> gates = java.util.Collections.synchronizedList(new ArrayList<>());
        private final Thread thread;
        private final java.util.concurrent.ScheduledExecutorService later =
                java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        private final java.util.Random random = new java.util.Random(1);
        private volatile boolean running = true;
        /** Results are published after a random delay up to this (0: at once). */
        volatile int spreadMillis;

        Responder(RedisClient client, String prefix) {
            this.reader = client.connect(ByteArrayCodec.INSTANCE);
            this.writer = client.connect(ByteArrayCodec.INSTANCE);
            this.prefix = prefix;
            this.thread = new Thread(this::loop, "bench-responder");
            thread.setDaemon(true);
            thread.start();
        }

        CountDownLatch expect(String id) {
            CountDownLatch latch = new CountDownLatch(1);
            expected.put(id, latch);
            return latch;
        }

        long[] drainGates() {
            long[] sorted;
            synchronized (gates) {
                sorted = gates.stream().mapToLong(Long::longValue).sorted().toArray();
                gates.clear();
            }
            return sorted;
        }

        private void loop() {
            byte[] key = (prefix + ":deployment").getBytes(StandardCharsets.UTF_8);
            String after = "$";
            RedisCommands<byte[], byte[]> redis = reader.sync();
            while (running) {
                List<StreamMessage<byte[], byte[]>> entries;
                try {
                    entries = redis.xread(XReadArgs.Builder.block(Duration.ofMillis(500)).count(100),
                            StreamOffset.from(key, after));
                } catch (RuntimeException e) {
                    if (running) {
                        LOG.warn("Responder read failed: {}", e.getMessage());
                    }
                    continue;
                }
                long seen = System.nanoTime();
                for (var entry : entries) {
                    after = entry.getId();
                    byte[] payload = entry.getBody().entrySet().stream()
                            .filter(f -> new String(f.getKey(), StandardCharsets.UTF_8).equals(EntryLayout.FIELD_PAYLOAD))
                            .map(Map.Entry::getValue).findFirst().orElseThrow();
                    handle(EventFormat.decode(payload), seen);
                }
            }
        }

        private void handle(DeploymentEvent event, long seen) {
            String id = event.getDeploymentId();
            Long answered = answeredAt.remove(id);
            if (answered != null) {
                gates.add(seen - answered);
            }
            String type = event.getType();
            if (type.equals(EventTypes.DEPLOYMENT_STARTED)) {
                answer(id, event, EventTypes.VALIDATION_COMPLETED, prefix + ":validation", b -> b.setValidationCompleted(
                        ValidationCompletedEvent.newBuilder().setResult(ValidationResult.VALIDATION_RESULT_PASSED)));
            } else if (EventTypes.isStageCompleted(type)
                    && event.getStageCompleted().getStatus() == DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS) {
                String stage = event.getStageCompleted().getStage();
                if (DEPENDENCY_STAGES.contains(stage)) {
                    publish(id, event, EventTypes.DEPENDENCY_CHECK_COMPLETED, prefix + ":dependency", b -> b.setDependencyCheckCompleted(
                            DependencyCheckCompletedEvent.newBuilder().setStage(stage)
                                    .setResult(DependencyCheckResult.DEPENDENCY_CHECK_RESULT_ALL_HEALTHY)));
                }
                answer(id, event, EventTypes.HEALTH_CHECK_COMPLETED, prefix + ":health", b -> b.setHealthCheckCompleted(
                        HealthCheckCompletedEvent.newBuilder().setStage(stage).setOverallStatus(HealthStatus.HEALTH_STATUS_HEALTHY)));
            } else if (type.equals(EventTypes.DEPLOYMENT_COMPLETED) || type.equals(EventTypes.DEPLOYMENT_FAILED)) {
                if (type.equals(EventTypes.DEPLOYMENT_FAILED)) {
                    LOG.warn("Deployment {} failed: {}", id, event.getDeploymentFailed().getReason());
                }
                endedAt.put(id, seen);
                CountDownLatch latch = expected.remove(id);
                if (latch != null) {
                    latch.countDown();
                }
            }
        }

        /** The gate's last result: the orchestrator's next event for the deployment closes the measurement. */
        private void answer(String id, DeploymentEvent cause, String type, String stream,
                            java.util.function.UnaryOperator<DeploymentEvent.Builder> payload) {
            Runnable send = () -> {
                answeredAt.put(id, System.nanoTime());
                publish(id, cause, type, stream, payload);
            };
            if (spreadMillis == 0) {
                send.run();
            } else {
                later.schedule(send, random.nextInt(spreadMillis + 1), TimeUnit.MILLISECONDS);
            }
        }

        private void publish(String id, DeploymentEvent cause, String type, String stream,
                             java.util.function.UnaryOperator<DeploymentEvent.Builder> payload) {
            DeploymentEvent result = payload.apply(DeploymentEvent.newBuilder().setEventId(UUID.randomUUID().toString())
                    .setType(type).setDeploymentId(id).setCorrelationId(cause.getCorrelationId())
                    .setTimestamp(System.currentTimeMillis())).build();
            writer.sync().xadd(stream.getBytes(StandardCharsets.UTF_8), EntryLayout.entryOf(result));
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            later.shutdownNow();
            thread.join(2_000);
            reader.close();
            writer.close();
        }
    }

    private static long percentile(long[] sorted, double p) {
        return sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
    }

    private static double millis(long nanos) {
        return Math.round(nanos / 10_000.0) / 100.0;
    }
}
