package routes.workers;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import routes.events.EventTypes;
import routes.events.proto.DependencyCheckCompletedEvent;
import routes.events.proto.DependencyCheckResult;
import routes.events.proto.DeploymentEvent;
import routes.events.proto.DeploymentStageCompletedEvent;
import routes.events.proto.DeploymentStatus;
import routes.events.proto.HealthCheckCompletedEvent;
import routes.events.proto.HealthStatus;
import routes.support.RedisServer;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * End to end through routes.yaml: a stage completed event published with the EventPublisher comes back as
 * dependency:check:completed and health:check:completed on their result streams, read by their consumer groups.
 */
class HealthWorkersRoutesTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private static FakeService api;
    private static FakeService shield;
    private static FakeService folio;
    private static WorkerApp app;

    @BeforeAll
    static void start() throws Exception {
        api = new FakeService().traffic(100, 0);
        shield = new FakeService().traffic(40, 0);
        folio = new FakeService().traffic(10, 0);
        String manifest = """
                stages:
                  - {name: railway, services: [api, shield], checkDependencies: true}
                  - {name: folio, services: [folio]}
                services:
                  api: {image: materi/api, health: "%s", ready: "%s", metrics: "%s", dependsOn: [postgres, redis, shield]}
                  shield: {image: materi/shield, health: "%s", ready: "%s", metrics: "%s", dependsOn: [postgres]}
                  folio: {image: materi/folio, health: "%s", ready: "%s", metrics: "%s", dependsOn: [api]}
                infrastructure:
                  postgres: {type: postgres, url: "jdbc:postgresql://127.0.0.1:5432/postgres", username: postgres}
                  redis: {type: redis, url: "%s"}
                """.formatted(api.url("/health"), api.url("/ready"), api.url("/metrics"),
                shield.url("/health"), shield.url("/ready"), shield.url("/metrics"),
                folio.url("/health"), folio.url("/ready"), folio.url("/metrics"), RedisServer.shared().url());
        app = new WorkerApp(manifest, List.of("publish", "dependency-checker", "health-monitor"),
                Map.of("printery.health.window", "1s", "printery.health.samples", "2",
                        "printery.dependency.check-timeout", "3s"));
    }

    @AfterAll
    static void stop() {
        app.close();
        api.close();
        shield.close();
        folio.close();
    }

    @Test
    void railwayStageCompletedGetsDependencyAndHealthResults() throws Exception {
        String deployment = "dep-" + UUID.randomUUID();
        app.publisher().publishStageCompleted(deployment, "corr-railway", DeploymentStageCompletedEvent.newBuilder()
                .setStage("railway").setStatus(DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS).setVersion("1.4.0")
                .setEnvironment("staging").build());

        DeploymentEvent dependencies = app.await(app.streams().dependency(), of(EventTypes.DEPENDENCY_CHECK_COMPLETED, deployment), WAIT);
        DependencyCheckCompletedEvent checked = dependencies.getDependencyCheckCompleted();
        assertEquals(DependencyCheckResult.DEPENDENCY_CHECK_RESULT_ALL_HEALTHY, checked.getResult(), checked.toString());
        assertEquals(List.of("api/postgres", "api/redis", "api/shield", "shield/postgres"),
                checked.getDependenciesList().stream().map(d -> d.getService() + "/" + d.getDependency()).toList());
        assertEquals("corr-railway", dependencies.getCorrelationId());

        DeploymentEvent health = app.await(app.streams().health(), of(EventTypes.HEALTH_CHECK_COMPLETED, deployment), WAIT);
        HealthCheckCompletedEvent watched = health.getHealthCheckCompleted();
        assertEquals(HealthStatus.HEALTH_STATUS_HEALTHY, watched.getOverallStatus(), watched.toString());
        assertEquals(List.of(100L, 40L), watched.getServicesList().stream().map(s -> s.getRequestsInWindow()).toList());
        assertEquals("corr-railway", health.getCorrelationId());

        app.await(app.streams().dependency(), of(EventTypes.DEPENDENCY_CHECK_STARTED, deployment), WAIT);
        app.await(app.streams().health(), of(EventTypes.HEALTH_CHECK_STARTED, deployment), WAIT);
    }

    @Test
    void onlyEligibleStagesAreCheckedAndARedeliveredEventIsNotCheckedTwice() throws Exception {
        String failed = "dep-failed-" + UUID.randomUUID();
        String folioDeployment = "dep-folio-" + UUID.randomUUID();
        app.publisher().publishStageCompleted(failed, null, DeploymentStageCompletedEvent.newBuilder().setStage("railway")
                .setStatus(DeploymentStatus.DEPLOYMENT_STATUS_FAILURE).setErrorMessage("build failed").build());
        DeploymentEvent folioCompleted = DependencyCheckerTest.stageCompleted("folio", DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS)
                .toBuilder().setDeploymentId(folioDeployment).build();
        app.publisher().publish(folioCompleted);

        app.await(app.streams().health(), of(EventTypes.HEALTH_CHECK_COMPLETED, folioDeployment), WAIT);
        // The same event again (same event id), as after a crash before the ack: the groups skip it.
        app.publisher().publish(folioCompleted);
        String marker = "dep-marker-" + UUID.randomUUID();
        app.publisher().publishStageCompleted(marker, null, DeploymentStageCompletedEvent.newBuilder().setStage("railway")
                .setStatus(DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS).build());
        app.await(app.streams().health(), of(EventTypes.HEALTH_CHECK_COMPLETED, marker), WAIT);
        app.await(app.streams().dependency(), of(EventTypes.DEPENDENCY_CHECK_COMPLETED, marker), WAIT);

        assertEquals(1, count(app.streams().health(), of(EventTypes.HEALTH_CHECK_COMPLETED, folioDeployment)));
        assertEquals(1, count(app.streams().health(), of(EventTypes.HEALTH_CHECK_STARTED, folioDeployment)));
        assertEquals(0, count(app.streams().dependency(), e -> e.getDeploymentId().equals(folioDeployment)),
                "folio does not check dependencies");
        assertEquals(0, count(app.streams().dependency(), e -> e.getDeploymentId().equals(failed)));
        assertEquals(0, count(app.streams().health(), e -> e.getDeploymentId().equals(failed)));
        awaitNothingPending("printery-dependency-checker");
        awaitNothingPending("printery-health-monitor");
    }

    private static Predicate<DeploymentEvent> of(String type, String deploymentId) {
        return e -> e.getType().equals(type) && e.getDeploymentId().equals(deploymentId);
    }

    private static long count(String stream, Predicate<DeploymentEvent> match) {
        return app.events(stream).stream().filter(match).count();
    }

    /** Acks are batched: give them a moment, then every entry the group read must be acked. */
    private static void awaitNothingPending(String group) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (app.pending(app.streams().deployment(), group) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(0, app.pending(app.streams().deployment(), group), group + " left entries pending");
    }
}
