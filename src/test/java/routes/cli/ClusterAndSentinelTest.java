package routes.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

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
              web: {image: materi/web, health: %1$s, ready: %2$s, metrics: %3$s}
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
        try (TestApp app = start(cluster.url())) {
            Streams streams = app.streams();
            List<Integer> nodes = List.of(streams.deployment(), streams.validation(), streams.dependency(), streams.health())
                    .stream().map(cluster::nodeOf).distinct().toList();
            assertTrue(nodes.size() > 1, "the event streams are on several nodes: " + nodes);
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
        return TestApp.builder().redis(redisUrl)
                .manifest(MANIFEST.formatted(web.url("/health"), web.url("/ready"), web.url("/metrics")))
                .property("printery.health.window", "1s").property("printery.health.samples", "2")
                .property("printery.deploy.poll-interval", "100ms").property("printery.deploy.sweep-interval", "200")
                .start();
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
