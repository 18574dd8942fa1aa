package routes.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import io.lettuce.core.cluster.SlotHash;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import routes.deploy.DeployRequest;
import routes.deploy.DeploymentRun;
import routes.deploy.Orchestrator;
import routes.events.EventTypes;
import routes.events.Streams;
import routes.support.RedisCluster;
import routes.support.RedisSentinels;
import routes.support.TestApp;
import routes.workers.FakeService;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A whole deployment on a Redis Cluster and through Sentinel: Printery as `run` starts it, the orchestrator, every
 * worker and the record on the app's streams (on a cluster, spread over the nodes), followed as `printery deploy`
 * follows it. Besides the streams it exercises the notifier's idempotency scripts, the idempotent repositories and
 * the record's change feed on each kind of Redis.
 */
class ClusterAndSentinelTest {

    private static final String MANIFEST = """
            stages:
              - name: frontend
                services: [web]
                deployer: simulated
                settings: {duration: 0ms}
            services:
              web: {image: materi/web, %s}
            environments:
              staging: {variables: env}
            """;

    private static FakeService web;
    private static RedisCluster cluster;
    private static RedisSentinels sentinels;

    @BeforeAll
    static void start() throws Exception {
        web = new FakeService().traffic(100, 0);
        cluster = RedisCluster.start();
        sentinels = RedisSentinels.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
        if (sentinels != null) {
            sentinels.close();
        }
        if (web != null) {
            web.close();
        }
    }

    @Test
    void aDeploymentCompletesOnACluster() throws Exception {
        // Names of the default kind (no hash tag) that put the event streams on every node.
        String prefix;
        do {
            prefix = "test:" + UUID.randomUUID();
        } while (nodesOf(prefix) < 3);
        TestApp.Builder builder = builder(cluster.url());
        for (String stream : List.of("deployment", "validation", "dependency", "health", "dlq")) {
            builder.property("printery.streams." + stream, prefix + ":" + stream);
        }
        try (TestApp app = builder.start()) {
            deploysToCompletion(app);
        }
    }

    private static long nodesOf(String prefix) {
        return Stream.of("deployment", "validation", "dependency", "health").map(s -> cluster.nodeOf(prefix + ":" + s))
                .distinct().count();
    }

    /** operations.md's advice: one hash tag in every stream name puts them on one slot, read by one set of readers. */
    @Test
    void aDeploymentCompletesOnAClusterWithTheStreamsUnderOneHashTag() throws Exception {
        String tag = "{printery-" + UUID.randomUUID() + "}";
        TestApp.Builder builder = builder(cluster.url());
        for (String stream : List.of("deployment", "validation", "dependency", "health", "dlq", "record-changes")) {
            builder.property("printery.streams." + stream, tag + ":" + stream);
        }
        try (TestApp app = builder.start()) {
            Streams streams = app.streams();
            assertEquals(1, List.of(streams.deployment(), streams.validation(), streams.dependency(), streams.health())
                    .stream().map(SlotHash::getSlot).distinct().count());
            deploysToCompletion(app);
        }
    }

    @Test
    void aDeploymentCompletesThroughSentinel() throws Exception {
        try (TestApp app = start(sentinels.url())) {
            deploysToCompletion(app);
        }
    }

    private static TestApp start(String redisUrl) throws Exception {
        return builder(redisUrl).start();
    }

    private static TestApp.Builder builder(String redisUrl) {
        return TestApp.builder().redis(redisUrl)
                .manifest(MANIFEST.formatted(web.targets())).quickDeployments();
    }

    private static void deploysToCompletion(TestApp app) throws Exception {
        Orchestrator orchestrator = app.bean("orchestrator", Orchestrator.class);
        DeploymentRun run = orchestrator.submit(new DeployRequest(UUID.randomUUID().toString(), "v1.0.0", "staging",
                "rolling", List.of("web"), "test"));
        StringWriter shown = new StringWriter();
        PrintWriter out = new PrintWriter(shown, true);

        int exit = new DeploymentWatch(app.camel(), orchestrator, DeploymentView.forTerminal(out))
                .follow(run, Duration.ofSeconds(60), app.url("/#/deployments/" + run.id()), out);

        assertEquals(0, exit, shown.toString());
        for (String type : List.of(EventTypes.VALIDATION_COMPLETED, EventTypes.stageCompleted("frontend"),
                EventTypes.HEALTH_CHECK_COMPLETED, EventTypes.DEPLOYMENT_COMPLETED)) {
            assertTrue(shown.toString().contains(type), "deploy's watch read " + type + " from its stream: " + shown);
        }
        Streams streams = app.streams();
        app.awaitEvent(streams.deployment(), e -> e.getType().equals(EventTypes.DEPLOYMENT_COMPLETED)
                && e.getDeploymentId().equals(run.id()), Duration.ofSeconds(10));
        Path outbox = Path.of(app.property("printery.notify.outbox"));
        await("the notifier's deployment:completed in the outbox").atMost(Duration.ofSeconds(30)).until(() ->
                Files.exists(outbox) && Files.readAllLines(outbox).stream()
                        .anyMatch(l -> l.contains(run.id()) && l.contains(EventTypes.DEPLOYMENT_COMPLETED)));
        for (String group : List.of("printery-notifier", "printery-orchestrator", "printery-shield")) {
            await(group + " acked everything").atMost(Duration.ofSeconds(30)).until(() -> app.pending(group) == 0);
        }
    }
}
