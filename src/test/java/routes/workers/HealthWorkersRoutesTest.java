package routes.workers;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.apache.camel.builder.NotifyBuilder;
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
import routes.support.TestApp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * End to end through routes.yaml: a stage completed event published with the EventPublisher comes back as
 * dependency:check:completed and health:check:completed on their result streams, read by their consumer groups.
 */
class HealthWorkersRoutesTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private static FakeService api;
    private static FakeService shield;
    private static FakeService folio;
    private static TestApp app;

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
        app = TestApp.builder().manifest(manifest).routes("publish", "dependency-checker", "health-monitor")
                .property("printery.health.window", "1s").property("printery.health.samples", "2")
                .property("printery.dependency.check-timeout", "3s").start();
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

        DeploymentEvent dependencies = app.awaitEvent(app.streams().dependency(), of(EventTypes.DEPENDENCY_CHECK_COMPLETED, deployment), WAIT);
        DependencyCheckCompletedEvent checked = dependencies.getDependencyCheckCompleted();
        assertEquals(DependencyCheckResult.DEPENDENCY_CHECK_RESULT_ALL_HEALTHY, checked.getResult(), checked.toString());
        assertEquals(List.of("api/postgres", "api/redis", "api/shield", "shield/postgres"),
                checked.getDependenciesList().stream().map(d -> d.getService() + "/" + d.getDependency()).toList());
        assertEquals("corr-railway", dependencies.getCorrelationId());

        DeploymentEvent health = app.awaitEvent(app.streams().health(), of(EventTypes.HEALTH_CHECK_COMPLETED, deployment), WAIT);
        HealthCheckCompletedEvent watched = health.getHealthCheckCompleted();
        assertEquals(HealthStatus.HEALTH_STATUS_HEALTHY, watched.getOverallStatus(), watched.toString());
        assertEquals(List.of(100L, 40L), watched.getServicesList().stream().map(s -> s.getRequestsInWindow()).toList());
        assertEquals("corr-railway", health.getCorrelationId());

        app.awaitEvent(app.streams().dependency(), of(EventTypes.DEPENDENCY_CHECK_STARTED, deployment), WAIT);
        app.awaitEvent(app.streams().health(), of(EventTypes.HEALTH_CHECK_STARTED, deployment), WAIT);
    }

    @Test
    void onlyEligibleStagesAreCheckedAndARedeliveredEventIsNotCheckedTwice() throws Exception {
        String failed = "dep-failed-" + UUID.randomUUID();
        String folioDeployment = "dep-folio-" + UUID.randomUUID();
        // Each worker's route gets the failed stage, the folio stage and the folio stage's copy.
        org.apache.camel.Predicate ours = exchange -> List.of(failed, folioDeployment)
                .contains(exchange.getProperty("deploymentId", String.class));
        NotifyBuilder handled = new NotifyBuilder(app.camel())
                .fromRoute("health-monitor").filter(ours).whenDone(3)
                .and().fromRoute("dependency-checker").filter(ours).whenDone(3).create();
        app.publisher().publishStageCompleted(failed, null, DeploymentStageCompletedEvent.newBuilder().setStage("railway")
                .setStatus(DeploymentStatus.DEPLOYMENT_STATUS_FAILURE).setErrorMessage("build failed").build());
        DeploymentEvent folioCompleted = DependencyCheckerTest.stageCompleted("folio", DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS)
                .toBuilder().setDeploymentId(folioDeployment).build();
        app.publisher().publish(folioCompleted);

        app.awaitEvent(app.streams().health(), of(EventTypes.HEALTH_CHECK_COMPLETED, folioDeployment), WAIT);
        // The same event again (same event id), as after a crash before the ack: the groups skip it.
        app.publisher().publish(folioCompleted);
        assertTrue(handled.matches(WAIT.toSeconds(), TimeUnit.SECONDS), "both workers' routes handled the three entries");

        assertEquals(1, count(app.streams().health(), of(EventTypes.HEALTH_CHECK_COMPLETED, folioDeployment)));
        assertEquals(1, count(app.streams().health(), of(EventTypes.HEALTH_CHECK_STARTED, folioDeployment)));
        assertEquals(0, count(app.streams().dependency(), e -> e.getDeploymentId().equals(folioDeployment)),
                "folio does not check dependencies");
        assertEquals(0, count(app.streams().dependency(), e -> e.getDeploymentId().equals(failed)));
        assertEquals(0, count(app.streams().health(), e -> e.getDeploymentId().equals(failed)));
        app.awaitAcked(app.streams().deployment(), "printery-dependency-checker");
        app.awaitAcked(app.streams().deployment(), "printery-health-monitor");
    }

    private static Predicate<DeploymentEvent> of(String type, String deploymentId) {
        return e -> e.getType().equals(type) && e.getDeploymentId().equals(deploymentId);
    }

    private static long count(String stream, Predicate<DeploymentEvent> match) {
        return app.events(stream).stream().filter(match).count();
    }
}
