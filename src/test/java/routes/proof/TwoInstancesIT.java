package routes.proof;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lettuce.core.RedisCommandExecutionException;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import routes.events.EventTypes;
import routes.events.proto.DeploymentEvent;
import routes.support.AppProcess;
import routes.support.Ports;
import routes.support.PostgresDatabases;
import routes.support.RedisServer;
import routes.workers.FakeService;

/**
 * Two `printery run` processes on one host share every consumer group, the orchestrator's included: one private
 * Redis, one PostgreSQL database (as instances on several hosts share one), the simulated deployer's journal, default
 * consumer names. A batch of deployments submitted to both ends COMPLETED with each event once and both instances
 * at work; then the instance running a stage deploy is killed with SIGKILL, and the other takes the deployment over
 * once the lease (2 s) runs out, asks the deployer for its status instead of deploying again, and claims the entries
 * the dead one held in the workers' groups.
 *
 * <p>The instances run copies of the packaged route files with claimIdleTime 3 s (60 s packaged) and
 * claimInterval 1 s (10 s), so the claims come within the test; the health window is 2 s.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TwoInstancesIT {

    private static final String STAGE = "apps";
    private static final String VERSION = "v2.0.0";
    private static final int BATCH = 8;
    /** Deployments submitted during the slow deploy, at most, until the instance running it watches one's health. */
    private static final int MAX_COMPANIONS = 10;
    private static final Duration SLOW_DEPLOY = Duration.ofSeconds(30);
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final long CLAIM_IDLE_MS = 3000;
    private static final long CLAIM_INTERVAL_MS = 1000;
    private static final List<String> TERMINAL = List.of("COMPLETED", "FAILED", "ROLLED_BACK", "CANCELLED");
    /** EventLog's line for an entry a route handled: route, event type, deployment. */
    private static final Pattern HANDLED = Pattern.compile(" - ([\\w-]+): (\\S+) of deployment (\\S+): .* in \\d+ ms$",
            Pattern.MULTILINE);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<String> submitted = new ArrayList<>();
    private final Map<String, Object> figures = new LinkedHashMap<>();
    private String host;
    private Properties streams;
    private RedisServer redis;
    private String database;
    private FakeService service;
    private Path dir;
    private DeploymentTrail trail;
    private Instance a;
    private Instance b;

    /** One of the two: its management port makes its consumer name, its pid the name of the leases it holds. */
    private record Instance(String name, int port, AppProcess app) {

        String consumer(String host) {
            return host + "-" + port;
        }

        String leaseOwner(String host) {
            return host + ":" + app.pid();
        }

        String url(String path) {
            return "http://127.0.0.1:" + port + path;
        }
    }

    @BeforeAll
    void start() throws Exception {
        host = InetAddress.getLocalHost().getHostName();
        streams = ProofEnvironment.applicationProperties();
        redis = RedisServer.startPrivate();
        database = PostgresDatabases.create();
        service = new FakeService().traffic(100, 0);
        dir = Files.createTempDirectory("printery-two-instances-");
        Path journal = dir.resolve("simulated-deployer.jsonl");
        trail = new DeploymentTrail(redis.url(), journal);

        String targets = service.targets();
        List<String> environments = new ArrayList<>(List.of("takeover"));
        IntStream.rangeClosed(1, BATCH).forEach(i -> environments.add("batch-" + i));
        IntStream.rangeClosed(1, MAX_COMPANIONS).forEach(i -> environments.add("companion-" + i));
        Path manifest = Files.writeString(dir.resolve("manifest.yaml"), """
                stages:
                  - name: %s
                    services: [web, slow]
                    deployer: simulated
                    settings: {duration: 300ms}
                services:
                  web: {image: proof/web, %s}
                  slow: {image: proof/slow, %s, deploy: {duration: %ds}}
                environments:
                %s
                """.formatted(STAGE, targets, targets, SLOW_DEPLOY.toSeconds(), environments.stream()
                .map(e -> "  " + e + ": {variables: env}").collect(Collectors.joining("\n"))));

        Map<String, String> env = new HashMap<>(Map.of("PRINTERY_REDIS_URL", redis.url(),
                "PRINTERY_DB_URL", database, "PRINTERY_DB_USER", PostgresDatabases.USER, "PRINTERY_DB_PASSWORD", "",
                "PRINTERY_MANIFEST", manifest.toString(), "PRINTERY_ROUTES", shortClaimRoutes().toString(),
                "PRINTERY_DEPLOY_SIMULATED_JOURNAL", journal.toString(),
                "PRINTERY_HEALTH_WINDOW", "2s", "PRINTERY_HEALTH_SAMPLES", "2"));
        List<String> jvm = List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dprintery.deploy.poll-interval=100ms", "-Dprintery.deploy.sweep-interval=200",
                "-Dprintery.deploy.lease=2s", "-Dcamel.component.redis-streams.claimIdleTime=" + CLAIM_IDLE_MS,
                "-Dcamel.component.redis-streams.claimInterval=" + CLAIM_INTERVAL_MS);
        a = instance("a", env, jvm);
        b = instance("b", env, jvm);
        // Started together, as a rollout would: both migrate the one database and create the groups at once.
        CompletableFuture.allOf(CompletableFuture.runAsync(() -> started(a)), CompletableFuture.runAsync(() -> started(b)))
                .join();
    }

    private Instance instance(String name, Map<String, String> shared, List<String> jvm) throws IOException {
        int port = Ports.free();
        Map<String, String> env = new HashMap<>(shared);
        env.put("PRINTERY_HTTP_PORT", String.valueOf(port));
        env.put("PRINTERY_DATA_DIR", dir.resolve("data-" + name).toString());
        return new Instance(name, port, new AppProcess(env, jvm));
    }

    private static void started(Instance instance) {
        try {
            instance.app().start();
        } catch (Exception e) {
            throw new IllegalStateException("instance " + instance.name() + " did not start", e);
        }
    }

    /**
     * The packaged route files with every claimIdleTime they set at 3 s; the routes that set none take the
     * component's, set by a JVM option.
     */
    private Path shortClaimRoutes() throws IOException {
        Path routes = dir.resolve("routes");
        Files.createDirectories(routes.resolve("routes"));
        String idle = String.valueOf(CLAIM_IDLE_MS);
        Files.writeString(routes.resolve("routes.yaml"), replace(resource("/routes.yaml"), "(claimIdleTime: )\\d+",
                "$1" + idle));
        Files.writeString(routes.resolve("routes/templates.yaml"), replace(resource("/routes/templates.yaml"),
                "(- name: claimIdleTime\\s+description: [^\\n]+\\s+defaultValue: )\"\\d+\"", "$1\"" + idle + "\""));
        Files.writeString(routes.resolve("routes/errors.yaml"), resource("/routes/errors.yaml"));
        return routes;
    }

    private static String replace(String text, String regex, String replacement) {
        Matcher matcher = Pattern.compile(regex).matcher(text);
        assertTrue(matcher.find(), "the packaged routes no longer have " + regex);
        return matcher.replaceAll(replacement);
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = TwoInstancesIT.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @AfterAll
    void stop() throws Exception {
        try {
            for (Instance instance : new Instance[] {a, b}) {
                if (instance != null) {
                    instance.app().stop();
                }
            }
            if (!figures.isEmpty()) {
                ProofEnvironment.report("two-instances", figures);
            }
        } finally {
            if (trail != null) {
                trail.close();
            }
            if (service != null) {
                service.close();
            }
            if (redis != null) {
                redis.close();
            }
            if (database != null) {
                PostgresDatabases.drop(database);
            }
            if (dir != null) {
                try (var files = Files.walk(dir)) {
                    files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    @Test
    @Order(1)
    void aBatchSubmittedToBothRunsOnBothWithEachEventOnce() throws Exception {
        // Default names, told apart by the management port; every group has the readers of both.
        await("both instances' consumers in every group", () -> ProofEnvironment.GROUPS.entrySet().stream()
                .allMatch(g -> g.getValue().stream().allMatch(group -> instancesIn(stream(g.getKey()), group)
                        .equals(Set.of(a.name(), b.name())))));
        // One reader each in the validator's group: the two names themselves.
        assertEquals(Set.of(a.consumer(host), b.consumer(host)),
                consumers(stream("printery.streams.deployment"), "printery-validator"));
        figures.put("consumer names", a.consumer(host) + ", " + b.consumer(host) + " (a route's several readers add -1..N)");

        long start = System.nanoTime();
        List<String> batch = new ArrayList<>();
        for (int i = 1; i <= BATCH; i++) {
            batch.add(submit(i % 2 == 0 ? a : b, "batch-" + i, "web"));
        }
        for (String id : batch) {
            assertEquals("COMPLETED", awaitEnded(id), () -> "deployment " + id);
        }
        figures.put("batch", BATCH + " deployments, all COMPLETED in " + (System.nanoTime() - start) / 1_000_000 + " ms");

        for (String id : batch) {
            assertEquals(List.of(EventTypes.DEPLOYMENT_STARTED, EventTypes.stageStarted(STAGE),
                    EventTypes.stageCompleted(STAGE), EventTypes.DEPLOYMENT_COMPLETED),
                    trail.types(stream("printery.streams.deployment"), id), "each event once, in order: " + id);
            assertEquals(List.of(EventTypes.VALIDATION_STARTED, EventTypes.VALIDATION_COMPLETED),
                    trail.types(stream("printery.streams.validation"), id), id);
            assertEquals(List.of(EventTypes.HEALTH_CHECK_STARTED, EventTypes.HEALTH_CHECK_COMPLETED),
                    trail.types(stream("printery.streams.health"), id), id);
            assertEquals(1, trail.journal("DEPLOY", "deployment", id), trail::journalText);
        }
        // Every route handled each of the batch's events once, on one instance or the other, and both had work.
        Map<String, Integer> handled = new TreeMap<>();
        Map<String, Integer> byInstance = new LinkedHashMap<>();
        for (Instance instance : List.of(a, b)) {
            int count = 0;
            for (List<String> line : handled(instance)) {
                if (batch.contains(line.get(2))) {
                    handled.merge(String.join(" ", line), 1, Integer::sum);
                    count++;
                }
            }
            byInstance.put(instance.name(), count);
        }
        handled.values().removeIf(n -> n == 1);
        assertEquals(Map.of(), handled, "handled more than once");
        figures.put("batch entries handled by instance", byInstance);
        byInstance.forEach((name, count) -> assertTrue(count > 0, "instance " + name + " handled none: " + byInstance));
    }

    @Test
    @Order(2)
    void theOtherInstanceTakesOverADeploymentWhoseInstanceWasKilled() throws Exception {
        String slow = submit(a, "takeover", "slow");
        String handle = "sim-slow-" + VERSION + "-1";
        await("the slow deploy triggered and its handle stored", () -> trail.journal("DEPLOY", "deployment", slow) == 1
                && stored(slow, "progress").contains("\"" + handle + "\""));
        String owner = stored(slow, "lease_owner");
        Instance victim = owner.equals(a.leaseOwner(host)) ? a : owner.equals(b.leaseOwner(host)) ? b : null;
        assertNotNull(victim, "lease owner " + owner + " is neither instance");
        Instance survivor = victim == a ? b : a;

        // Deployments in their health windows until the victim's health monitor holds one of their entries (for
        // the window, so still at the kill).
        String watched = stream("printery.streams.deployment") + "/printery-health-monitor";
        // Two at a time, one through each instance: each lands on either health monitor, so ten all miss the
        // victim about once in a thousand runs.
        List<String> companions = new ArrayList<>();
        while (!pendingAt(victim).containsKey(watched) && companions.size() < MAX_COMPANIONS) {
            List<String> round = List.of(submit(a, "companion-" + (companions.size() + 1), "web"),
                    submit(b, "companion-" + (companions.size() + 2), "web"));
            companions.addAll(round);
            await("health watch of " + round, () -> round.stream().allMatch(id -> trail.types(
                    stream("printery.streams.health"), id).contains(EventTypes.HEALTH_CHECK_STARTED)));
        }
        assertFalse(trail.types(stream("printery.streams.deployment"), slow).contains(EventTypes.stageCompleted(STAGE)),
                "still deploying at the kill");

        victim.app().kill();
        long killed = System.nanoTime();
        Map<String, Long> held = pendingAt(victim);
        assertTrue(held.containsKey(watched), "the killed instance held no entry of the health monitor: " + held);

        await("the survivor holds the slow deployment's lease",
                () -> survivor.leaseOwner(host).equals(stored(slow, "lease_owner")));
        long takeover = (System.nanoTime() - killed) / 1_000_000;
        await("the dead instance's entries claimed", () -> pendingAt(victim).isEmpty());
        long claimed = (System.nanoTime() - killed) / 1_000_000;
        await("nothing pending in any group", () -> pendingTotal() == 0);
        long done = (System.nanoTime() - killed) / 1_000_000;

        assertEquals("COMPLETED", awaitEnded(slow));
        assertEquals(List.of(EventTypes.DEPLOYMENT_STARTED, EventTypes.stageStarted(STAGE),
                EventTypes.stageCompleted(STAGE), EventTypes.DEPLOYMENT_COMPLETED),
                trail.types(stream("printery.streams.deployment"), slow), "each event once, in order");
        assertEquals(1, trail.journal("DEPLOY", "deployment", slow), trail::journalText);
        assertEquals(0, trail.journal("ROLLBACK", "deployment", slow), trail::journalText);
        DeploymentEvent stage = trail.events(stream("printery.streams.deployment"), slow).get(2);
        assertTrue(stage.getStageCompleted().getDurationMs() >= SLOW_DEPLOY.toMillis(),
                "the one deploy's " + SLOW_DEPLOY + ", across the kill: " + stage);

        int repeats = 0;
        for (String id : companions) {
            assertEquals("COMPLETED", awaitEnded(id), () -> "deployment " + id);
            repeats += repeats(id);
            assertEquals(1, trail.journal("DEPLOY", "deployment", id), trail::journalText);
        }
        assertEquals(0, pendingTotal(), "pending after the deployments ended");
        assertEquals(Map.of(), pendingAt(victim), "left on the dead instance's consumers");

        // Nothing lost: every deployment of the class ended, and the survivor's record shows it.
        for (String id : submitted) {
            JsonNode record = JSON.readTree(get(survivor, "/api/deployments/" + id));
            assertEquals("SUCCESS", record.path("status").asText(), () -> id + ": " + record);
            assertEquals("COMPLETED", record.path("run").path("phase").asText(), () -> id + ": " + record);
        }

        figures.put("killed", victim.name() + ", lease owner of the slow deploy; entries it held: " + held);
        figures.put("companions", companions.size() + " (repeated entries on the deployment stream: " + repeats + ")");
        figures.put("kill to the survivor's lease (ms)", takeover);
        figures.put("kill to no entry left at the dead instance (ms)", claimed);
        figures.put("kill to nothing pending (ms)", done);
        figures.put("deployments ended, in the survivor's record", submitted.size());
    }

    // ---- the steps ----

    /** POST /api/deployments of the instance, as a script sends it (JSON, no Origin); the new deployment's id. */
    private String submit(Instance to, String environment, String service) throws Exception {
        String body = JSON.writeValueAsString(Map.of("version", VERSION, "environment", environment,
                "services", List.of(service)));
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(to.url("/api/deployments")))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(202, response.statusCode(), response::body);
        String id = JSON.readTree(response.body()).path("id").asText();
        submitted.add(id);
        return id;
    }

    private String get(Instance from, String path) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(from.url(path))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response::body);
        return response.body();
    }

    /** The run's phase once it ended in the database. */
    private String awaitEnded(String id) throws Exception {
        await("deployment " + id + " ended", () -> TERMINAL.contains(stored(id, "phase")));
        return stored(id, "phase");
    }

    private void await(String what, Callable<Boolean> condition) {
        try {
            Awaitility.await(what).atMost(PATIENCE).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(100))
                    .until(condition);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(e.getMessage() + "\njournal:\n" + trail.journalText() + "\ninstance a's log ends:\n"
                    + ProofEnvironment.tail(a.app()) + "\ninstance b's log ends:\n" + ProofEnvironment.tail(b.app()), e);
        }
    }

    // ---- what happened ----

    private String stream(String property) {
        return streams.getProperty(property);
    }

    /** A column of the run in the shared database ("" when there is no such run). */
    private String stored(String id, String column) throws Exception {
        try (Connection db = DriverManager.getConnection(database, PostgresDatabases.USER, "");
             PreparedStatement sql = db.prepareStatement("SELECT " + column + " FROM deployment_run WHERE id = ?")) {
            sql.setString(1, id);
            try (ResultSet rows = sql.executeQuery()) {
                return rows.next() && rows.getString(1) != null ? rows.getString(1) : "";
            }
        }
    }

    /** The consumer names of a group (none while it does not exist). */
    private Set<String> consumers(String stream, String group) {
        Set<String> names = new TreeSet<>();
        try {
            for (Object consumer : trail.redis().xinfoConsumers(bytes(stream), bytes(group))) {
                List<?> fields = (List<?>) consumer;
                for (int i = 0; i + 1 < fields.size(); i += 2) {
                    if ("name".equals(text(fields.get(i)))) {
                        names.add(text(fields.get(i + 1)));
                    }
                }
            }
        } catch (RedisCommandExecutionException e) {
            // no stream or group yet
        }
        return names;
    }

    /** The instances whose readers the group has. */
    private Set<String> instancesIn(String stream, String group) {
        return consumers(stream, group).stream().flatMap(name -> Stream.of(a, b).filter(i -> isOf(i, name)))
                .map(Instance::name).collect(Collectors.toSet());
    }

    /** Whether the consumer is one of the instance's readers: its name, and -1..N when the route has several. */
    private boolean isOf(Instance instance, String consumer) {
        String name = instance.consumer(host);
        return consumer.equals(name) || consumer.matches(Pattern.quote(name) + "-\\d+");
    }

    /** Entries pending at the instance's consumers, as "stream/group" -> count, for the groups where it has any. */
    private Map<String, Long> pendingAt(Instance instance) {
        Map<String, Long> pending = new TreeMap<>();
        ProofEnvironment.GROUPS.forEach((property, groups) -> {
            for (String group : groups) {
                trail.redis().xpending(bytes(stream(property)), bytes(group)).getConsumerMessageCount()
                        .forEach((consumer, count) -> {
                            if (isOf(instance, text(consumer)) && count > 0) {
                                pending.merge(stream(property) + "/" + group, count, Long::sum);
                            }
                        });
            }
        });
        return pending;
    }

    private long pendingTotal() {
        long total = 0;
        for (var groups : ProofEnvironment.GROUPS.entrySet()) {
            for (String group : groups.getValue()) {
                total += trail.redis().xpending(bytes(stream(groups.getKey())), bytes(group)).getCount();
            }
        }
        return total;
    }

    /**
     * Entries of the deployment's events on the deployment stream beyond one per event, after checking that each
     * event came in order and a repeat has the first's id (the crash window between a publish and its mark).
     */
    private int repeats(String id) {
        List<DeploymentEvent> events = trail.events(stream("printery.streams.deployment"), id);
        Map<String, Set<String>> idsByType = new LinkedHashMap<>();
        events.forEach(e -> idsByType.computeIfAbsent(e.getType(), t -> new LinkedHashSet<>()).add(e.getEventId()));
        assertEquals(List.of(EventTypes.DEPLOYMENT_STARTED, EventTypes.stageStarted(STAGE),
                EventTypes.stageCompleted(STAGE), EventTypes.DEPLOYMENT_COMPLETED), List.copyOf(idsByType.keySet()), id);
        idsByType.forEach((type, ids) -> assertEquals(1, ids.size(), id + " " + type + " under several ids: " + ids));
        return events.size() - idsByType.size();
    }

    /** Route, event type and deployment of each entry the instance's log says it handled. */
    private static List<List<String>> handled(Instance instance) throws IOException {
        List<List<String>> lines = new ArrayList<>();
        Matcher matcher = HANDLED.matcher(instance.app().log());
        while (matcher.find()) {
            lines.add(List.of(matcher.group(1), matcher.group(2), matcher.group(3)));
        }
        return lines;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(Object value) {
        return value instanceof byte[] raw ? new String(raw, StandardCharsets.UTF_8) : String.valueOf(value);
    }
}
