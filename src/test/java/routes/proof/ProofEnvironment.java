package routes.proof;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import routes.events.EntryLayout;
import routes.events.EventTypes;
import routes.events.proto.DeploymentEvent;
import routes.events.proto.DeploymentStartedEvent;
import routes.support.AppProcess;
import routes.support.Ports;
import routes.support.RedisServer;
import routes.support.TestApp;

/**
 * What one proof test runs against: a private Redis (AOF, fsync always), the Slack sink, a private H2 file, outbox,
 * manifest and HTTP port, and the packaged app as a process with that environment. Events are written to Redis the
 * way any external producer would (XADD in the entry layout), stream names come from application.properties.
 *
 * <p>Every deployment:started it publishes names the service "ghost", which the manifest does not know: the validator
 * therefore answers validation:completed FAILED, so each deployment gives two Slack posts through two workers: the
 * deployment:started post to #deployments and the validation failure to #critical.
 */
final class ProofEnvironment implements AutoCloseable {

    /** Consumer groups of printery run, per stream property; the PEL of each must end empty. */
    static final Map<String, List<String>> GROUPS = Map.of(
            "printery.streams.deployment", List.of("printery-validator", "printery-dependency-checker",
                    "printery-health-monitor", "printery-notifier", "printery-shield"),
            "printery.streams.validation", List.of("printery-notifier", "printery-orchestrator", "printery-shield"),
            "printery.streams.dependency", List.of("printery-notifier", "printery-orchestrator", "printery-shield"),
            "printery.streams.health", List.of("printery-notifier", "printery-orchestrator", "printery-shield"),
            "printery.streams.dlq", List.of("printery-dlq"));

    private static final String MANIFEST = """
            # Reliability proof: one known service without targets; events name "ghost", which fails validation.
            stages:
              - name: web
                services: [web]
            services:
              web:
                image: proof/web
            """;

    final Path dir;
    final RedisServer redis;
    final SlackSink sink;
    final int httpPort;
    private final Properties properties;
    private final Map<String, String> env = new HashMap<>();
    private final RedisClient client;
    private final StatefulRedisConnection<byte[], byte[]> connection;
    private final Random random;
    private AppProcess app;

    ProofEnvironment(long seed) throws IOException {
        this(seed, true);
    }

    /** @param persistent AOF with fsync always; without it a killed Redis comes back empty (streams, groups, keys) */
    ProofEnvironment(long seed, boolean persistent) throws IOException {
        random = new Random(seed);
        dir = Files.createTempDirectory("printery-proof-");
        properties = applicationProperties();
        redis = persistent ? RedisServer.startPrivate("--appendonly", "yes", "--appendfsync", "always")
                : RedisServer.startPrivate();
        sink = new SlackSink();
        httpPort = Ports.free();
        Path manifest = dir.resolve("manifest.yaml");
        Files.writeString(manifest, MANIFEST);
        env.put("PRINTERY_REDIS_URL", redis.url());
        env.put("PRINTERY_HTTP_PORT", String.valueOf(httpPort));
        env.put("PRINTERY_DB_URL", "jdbc:h2:file:" + dir.resolve("db/printery") + ";AUTO_SERVER=TRUE");
        env.put("PRINTERY_NOTIFY_OUTBOX", dir.resolve("outbox.log").toString());
        env.put("PRINTERY_MANIFEST", manifest.toString());
        env.put("PRINTERY_SLACK_WEBHOOK_URL", sink.url(SlackSink.DEPLOYMENTS));
        env.put("PRINTERY_SLACK_CRITICAL_WEBHOOK_URL", sink.url(SlackSink.CRITICAL));
        client = RedisClient.create(RedisURI.create(redis.url()));
        client.setDefaultTimeout(Duration.ofSeconds(5));
        connection = client.connect(ByteArrayCodec.INSTANCE);
    }

    /** The packaged application.properties: the stream names and defaults of `printery run`. */
    static Properties applicationProperties() throws IOException {
        Properties properties = new Properties();
        try (InputStream in = ProofEnvironment.class.getResourceAsStream("/application.properties")) {
            properties.load(in);
        }
        return properties;
    }

    /** The app process with this environment; JVM options such as -Dprintery.retry.delay=100 override properties. */
    AppProcess app(String... jvmArgs) throws IOException {
        if (app == null) {
            List<String> args = new ArrayList<>(List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
            args.addAll(List.of(jvmArgs));
            app = new AppProcess(env, args);
        }
        return app;
    }

    /** The last lines of the app's log, for failure messages (the whole log runs to thousands of lines). */
    static String tail(AppProcess app) {
        try {
            List<String> lines = app.log().lines().toList();
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(app log unreadable: " + e + ")";
        }
    }

    String stream(String property) {
        return properties.getProperty(property);
    }

    String deploymentStream() {
        return stream("printery.streams.deployment");
    }

    /** Publishes a deployment:started for a new deployment; returns its event id. */
    String publishDeploymentStarted(String deploymentId) {
        String eventId = UUID.randomUUID().toString();
        DeploymentEvent event = DeploymentEvent.newBuilder().setType(EventTypes.DEPLOYMENT_STARTED).setEventId(eventId)
                .setDeploymentId(deploymentId).setCorrelationId("corr-" + deploymentId)
                .setTimestamp(System.currentTimeMillis()).setPriority(EventTypes.priorityOf(EventTypes.DEPLOYMENT_STARTED))
                .setDeploymentStarted(DeploymentStartedEvent.newBuilder().setVersion("1.0.0").setEnvironment("proof")
                        .setStrategy("rolling").addServices("ghost"))
                .build();
        xadd(EventTypes.requireValid(event).getType(), eventId, deploymentId, event.toByteArray());
        return eventId;
    }

    /** An entry whose payload is random bytes under a deployment:started type: meant for the DLQ. Returns the entry id. */
    String publishPoison(String name) {
        byte[] junk = new byte[64 + random.nextInt(192)];
        random.nextBytes(junk);
        // 0xff first: never a valid protobuf tag, so the bytes cannot decode by chance
        junk[0] = (byte) 0xff;
        return xadd(EventTypes.DEPLOYMENT_STARTED, name, name, junk);
    }

    private String xadd(String type, String eventId, String deploymentId, byte[] payload) {
        Map<byte[], byte[]> fields = new LinkedHashMap<>();
        fields.put(bytes(EntryLayout.FIELD_TYPE), bytes(type));
        fields.put(bytes(EntryLayout.FIELD_EVENT_ID), bytes(eventId));
        fields.put(bytes(EntryLayout.FIELD_DEPLOYMENT_ID), bytes(deploymentId));
        fields.put(bytes(EntryLayout.FIELD_CORRELATION_ID), bytes("corr-" + deploymentId));
        fields.put(bytes(EntryLayout.FIELD_PAYLOAD), payload);
        return redisCommands().xadd(bytes(deploymentStream()), new XAddArgs(), fields);
    }

    /** Deployment id -> event ids of its validation:completed entries (one per entry, so repeats show). */
    Map<String, List<String>> validationResults() {
        Map<String, List<String>> byDeployment = new HashMap<>();
        for (StreamMessage<byte[], byte[]> m : range(stream("printery.streams.validation"))) {
            Map<String, String> f = fields(m);
            if (EventTypes.VALIDATION_COMPLETED.equals(f.get(EntryLayout.FIELD_TYPE))) {
                byDeployment.computeIfAbsent(f.get(EntryLayout.FIELD_DEPLOYMENT_ID), k -> new ArrayList<>())
                        .add(f.get(EntryLayout.FIELD_EVENT_ID));
            }
        }
        return byDeployment;
    }

    /**
     * What the sink got for these deployments (deployment id -> its deployment:started event id): each must have one
     * post of its deployment:started to #deployments and one of its validation:completed to #critical.
     */
    Outcome outcome(Map<String, String> eventOfDeployment) {
        Map<String, List<String>> validations = validationResults();
        Map<String, Integer> deliveries = new HashMap<>();
        int validationMissing = 0;
        int validationIdsNotUnique = 0;
        int validationRepeated = 0;
        for (var e : eventOfDeployment.entrySet()) {
            deliveries.put(e.getValue() + "|" + SlackSink.DEPLOYMENTS, sink.deliveries(e.getValue(), SlackSink.DEPLOYMENTS));
            List<String> ids = validations.getOrDefault(e.getKey(), List.of());
            if (ids.isEmpty()) {
                validationMissing++;
                continue;
            }
            if (new HashSet<>(ids).size() > 1) {
                validationIdsNotUnique++;
            }
            validationRepeated += ids.size() - 1;
            deliveries.put(ids.get(0) + "|" + SlackSink.CRITICAL, sink.deliveries(ids.get(0), SlackSink.CRITICAL));
        }
        Map<String, Integer> duplicated = new TreeMap<>();
        int losses = validationMissing;
        for (var d : deliveries.entrySet()) {
            if (d.getValue() == 0) {
                losses++;
            } else if (d.getValue() > 1) {
                duplicated.put(d.getKey(), d.getValue());
            }
        }
        Set<String> expectedEvents = new HashSet<>();
        deliveries.keySet().forEach(k -> expectedEvents.add(k.substring(0, k.indexOf('|'))));
        long unexpected = sink.posts().stream().filter(p -> !expectedEvents.contains(p.eventId())).count();
        return new Outcome(deliveries.size() + validationMissing, losses, duplicated, unexpected, validationMissing,
                validationIdsNotUnique, validationRepeated);
    }

    /**
     * @param expectedPosts        posts the deployments must cause
     * @param losses               expected posts that never came (a missing validation:completed counts as one)
     * @param duplicated           "eventId|channel" -> number of posts, for those posted more than once
     * @param unexpectedPosts      posts about events not among the expected ones
     * @param validationMissing    deployments without validation:completed
     * @param validationIdsNotUnique deployments whose validation:completed came under more than one event id
     * @param validationRepeated   validation:completed entries repeated under the same event id (a redone validation)
     */
    record Outcome(int expectedPosts, int losses, Map<String, Integer> duplicated, long unexpectedPosts,
                   int validationMissing, int validationIdsNotUnique, int validationRepeated) {

        int duplicates() {
            return duplicated.values().stream().mapToInt(n -> n - 1).sum();
        }

        boolean complete() {
            return losses == 0;
        }
    }

    /** The DLQ stream's entries as text fields (the payload field left out). */
    List<Map<String, String>> deadLetters() {
        List<Map<String, String>> out = new ArrayList<>();
        for (StreamMessage<byte[], byte[]> m : range(stream("printery.streams.dlq"))) {
            Map<String, String> f = fields(m);
            f.remove(EntryLayout.FIELD_PAYLOAD);
            f.put("id", m.getId());
            out.add(f);
        }
        return out;
    }

    /** Entries pending in any group of any stream printery run reads, as "stream/group=n" for the ones not empty. */
    Map<String, Long> pending() {
        Map<String, Long> out = new LinkedHashMap<>();
        GROUPS.forEach((property, groups) -> {
            String stream = stream(property);
            for (String group : groups) {
                try {
                    long n = redisCommands().xpending(bytes(stream), bytes(group)).getCount();
                    if (n > 0) {
                        out.put(stream + "/" + group, n);
                    }
                } catch (RedisCommandExecutionException e) {
                    if (!String.valueOf(e.getMessage()).startsWith("NOGROUP")) {
                        throw e;
                    }
                }
            }
        });
        return out;
    }

    /** Whether the group exists on the stream (after a Redis restart the app must have recreated it). */
    boolean groupExists(String streamProperty, String group) {
        try {
            return redisCommands().xinfoGroups(bytes(stream(streamProperty))).stream()
                    .anyMatch(g -> g instanceof List<?> l && l.size() > 1 && group.equals(str(l.get(1))));
        } catch (RedisCommandExecutionException e) {
            return false;
        }
    }

    /** Whether the group has read past this entry of the stream and has nothing pending there. */
    boolean passed(String streamProperty, String group, String entryId) {
        String stream = stream(streamProperty);
        for (Object g : redisCommands().xinfoGroups(bytes(stream))) {
            List<?> info = (List<?>) g;
            Map<String, Object> fields = new HashMap<>();
            for (int i = 0; i + 1 < info.size(); i += 2) {
                fields.put(str(info.get(i)), info.get(i + 1));
            }
            if (group.equals(str(fields.get("name")))) {
                return TestApp.compareIds(str(fields.get("last-delivered-id")), entryId) >= 0
                        && ((Number) fields.get("pending")).longValue() == 0;
            }
        }
        return false;
    }


    RedisCommands<byte[], byte[]> redisCommands() {
        return connection.sync();
    }

    /** Runs the packaged CLI (`java -jar printery.jar args...`) with this environment. */
    CliResult cli(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(System.getProperty("java.home") + "/bin/java", "-Xmx256m",
                "-XX:TieredStopAtLevel=1", "-jar", AppProcess.jar().getAbsolutePath()));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "cli-", ".out");
        Path err = Files.createTempFile(dir, "cli-", ".err");
        ProcessBuilder builder = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().putAll(env);
        Process process = builder.start();
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("printery " + String.join(" ", args) + " did not finish in 90 s");
        }
        return new CliResult(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    record CliResult(int exit, String out, String err) {
    }

    /** Prints the figures of a run and keeps them in target/reliability/NAME.txt for docs/reliability.md. */
    static void report(String name, Map<String, Object> figures) throws IOException {
        StringBuilder text = new StringBuilder();
        figures.forEach((k, v) -> text.append(k).append(": ").append(v).append('\n'));
        System.out.print("== " + name + "\n" + text);
        Path file = Path.of("target/reliability", name + ".txt");
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }

    /** Polls until the condition holds or the deadline passes; returns whether it held. */
    static boolean await(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(200);
        }
        return condition.getAsBoolean();
    }

    private List<StreamMessage<byte[], byte[]>> range(String stream) {
        return redisCommands().xrange(bytes(stream), Range.create("-", "+"));
    }

    private static Map<String, String> fields(StreamMessage<byte[], byte[]> m) {
        Map<String, String> f = new HashMap<>();
        m.getBody().forEach((k, v) -> f.put(str(k), str(v)));
        return f;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String str(Object o) {
        return o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o);
    }

    @Override
    public void close() throws Exception {
        try {
            if (app != null) {
                app.close();
            }
        } finally {
            connection.close();
            client.shutdown();
            sink.close();
            redis.close();
            try (var files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
