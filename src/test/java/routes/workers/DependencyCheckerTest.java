package routes.workers;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import routes.events.EventTypes;
import routes.events.proto.DependencyCheckCompletedEvent;
import routes.events.proto.DependencyCheckResult;
import routes.events.proto.DependencyStatus;
import routes.events.proto.DeploymentEvent;
import routes.events.proto.DeploymentStageCompletedEvent;
import routes.events.proto.DeploymentStatus;
import routes.events.proto.HealthStatus;
import routes.manifest.Manifest;
import routes.manifest.ManifestLoader;
import routes.support.Ports;
import routes.support.RedisServer;
import routes.support.TestApp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The dependency checker against the local PostgreSQL, the test Redis and HTTP services on 127.0.0.1. */
class DependencyCheckerTest {

    private static final String POSTGRES = "jdbc:postgresql://127.0.0.1:5432/postgres";
    private static final HealthThresholds THRESHOLDS = new HealthThresholds(1000, 5000, 0.01, 0.05);

    private static TestApp app;
    private final List<AutoCloseable> closing = new ArrayList<>();
    private final ExecutorService executor = Executors.newCachedThreadPool();

    @BeforeAll
    static void start() throws Exception {
        app = TestApp.builder().manifest("stages: [{name: railway, services: [x]}]\nservices: {x: {image: x}}\n").noRoutes().start();
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
        executor.shutdownNow();
    }

    @Test
    void allDependenciesAnswerInTime() throws Exception {
        FakeService shield = service();
        DependencyChecker checker = checker(manifest("""
                  api: {image: materi/api, dependsOn: [postgres, redis, shield]}
                  shield: {image: materi/shield, health: "%s"}
                """.formatted(shield.url("/health")), POSTGRES + "?user=postgres&password=hunter2", RedisServer.shared().url()), 3000);

        DeploymentEvent event = stageCompleted("railway", DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS, "api");
        // as the route does: the started event on the stream first
        app.publisher().publish(checker.started(event));
        DependencyCheckCompletedEvent result = checker.check(event).getDependencyCheckCompleted();

        assertEquals(DependencyCheckResult.DEPENDENCY_CHECK_RESULT_ALL_HEALTHY, result.getResult(), result.toString());
        assertEquals(List.of("postgres", "redis", "shield"), result.getDependenciesList().stream().map(DependencyStatus::getDependency).toList());
        assertEquals(List.of("postgres", "redis", "http"), result.getDependenciesList().stream().map(DependencyStatus::getType).toList());
        DependencyStatus postgres = result.getDependencies(0);
        assertEquals("api", postgres.getService());
        assertEquals(POSTGRES, postgres.getEndpoint(), "endpoint without the credentials of the URL");
        assertEquals(shield.url("/health"), result.getDependencies(2).getEndpoint());
        assertTrue(result.getDependenciesList().stream().allMatch(d -> d.getErrorMessage().isEmpty()));
        assertEquals(1, shield.hits("health"));

        DeploymentEvent started = app.awaitEvent(app.streams().dependency(),
                e -> e.getType().equals(EventTypes.DEPENDENCY_CHECK_STARTED) && e.getDeploymentId().equals(event.getDeploymentId()),
                java.time.Duration.ofSeconds(10));
        assertEquals(List.of("api"), started.getDependencyCheckStarted().getServicesList());
        assertEquals(event.getCorrelationId(), started.getCorrelationId());
    }

    @Test
    void everyFailingDependencyIsUnhealthyWithItsError() throws Exception {
        FakeService shield = service().health(503, 0);
        int closed = Ports.free();
        DependencyChecker checker = checker(manifest("""
                  api: {image: materi/api, dependsOn: [postgres, redis, shield]}
                  shield: {image: materi/shield, health: "%s"}
                """.formatted(shield.url("/health")), "jdbc:postgresql://127.0.0.1:" + closed + "/postgres",
                "redis://:secret@127.0.0.1:" + closed), 3000);

        DependencyCheckCompletedEvent result = checker.check(stageCompleted("railway", DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS))
                .getDependencyCheckCompleted();

        assertEquals(DependencyCheckResult.DEPENDENCY_CHECK_RESULT_ALL_UNHEALTHY, result.getResult(), result.toString());
        for (DependencyStatus status : result.getDependenciesList()) {
            assertEquals(HealthStatus.HEALTH_STATUS_UNHEALTHY, status.getStatus(), status.toString());
            assertFalse(status.getErrorMessage().isEmpty(), status.toString());
            assertFalse(status.toString().contains("secret"), status.toString());
        }
        assertEquals("connection refused to 127.0.0.1:" + closed, result.getDependencies(0).getErrorMessage());
        assertEquals("connection refused to 127.0.0.1:" + closed, result.getDependencies(1).getErrorMessage());
        assertEquals("redis://127.0.0.1:" + closed, result.getDependencies(1).getEndpoint());
        assertEquals("HTTP 503", result.getDependencies(2).getErrorMessage());
    }

    @Test
    void aRedirectIsReportedNotFollowed() throws Exception {
        FakeService shield = service();
        shield.healthRedirect(shield.url("/ready"));
        DependencyChecker checker = checker(manifest("""
                  api: {image: materi/api, dependsOn: [shield]}
                  shield: {image: materi/shield, health: "%s"}
                """.formatted(shield.url("/health")), POSTGRES, RedisServer.shared().url()), 3000);

        DependencyStatus status = checker.check(stageCompleted("railway", DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS, "api"))
                .getDependencyCheckCompleted().getDependencies(0);

        assertEquals(HealthStatus.HEALTH_STATUS_UNHEALTHY, status.getStatus(), status.toString());
        assertEquals("HTTP 302", status.getErrorMessage());
        assertEquals(0, shield.hits("ready"), "the redirect is not followed");
    }

    @Test
    void aRefusedConnectionReadsConnectionRefusedToHostAndPortForEveryKind() throws Exception {
        int closed = Ports.free();
        DependencyChecker checker = checker(manifest("""
                  api: {image: materi/api, dependsOn: [postgres, redis, billing, shield]}
                  shield: {image: materi/shield, health: "http://127.0.0.1:%d/health?token=t0k"}
                """.formatted(closed), "jdbc:postgresql://127.0.0.1:" + closed + "/postgres?password=hunter2",
                "redis://:secret@127.0.0.1:" + closed + "/0",
                "billing: {type: http, url: \"http://ops:pw@127.0.0.1:" + closed + "/status?key=k\"}"), 3000);

        DependencyCheckCompletedEvent result = checker.check(stageCompleted("railway", DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS))
                .getDependencyCheckCompleted();

        assertEquals(List.of("postgres", "redis", "billing", "shield"),
                result.getDependenciesList().stream().map(DependencyStatus::getDependency).toList());
        for (DependencyStatus status : result.getDependenciesList()) {
            assertEquals(HealthStatus.HEALTH_STATUS_UNHEALTHY, status.getStatus(), status.toString());
            assertEquals("connection refused to 127.0.0.1:" + closed, status.getErrorMessage(), status.toString());
        }
    }

    @Test
    void oneUnhealthyOrSlowDependencyMakesSomeDegraded() throws Exception {
        FakeService slow = service().health(200, 1200);
        int closed = Ports.free();
        DependencyChecker checker = checker(manifest("""
                  api: {image: materi/api, dependsOn: [postgres, shield]}
                  shield: {image: materi/shield, health: "%s"}
                  relay: {image: materi/relay, dependsOn: [redis]}
                """.formatted(slow.url("/health")), POSTGRES, "redis://127.0.0.1:" + closed), 4000);

        DependencyCheckCompletedEvent result = checker.check(stageCompleted("railway", DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS))
                .getDependencyCheckCompleted();

        assertEquals(DependencyCheckResult.DEPENDENCY_CHECK_RESULT_SOME_DEGRADED, result.getResult(), result.toString());
        DependencyStatus shield = find(result, "api", "shield");
        assertEquals(HealthStatus.HEALTH_STATUS_DEGRADED, shield.getStatus(), shield.toString());
        assertTrue(shield.getResponseTimeMs() >= 1200, shield.toString());
        assertTrue(shield.getErrorMessage().contains(">= 1000 ms"), shield.getErrorMessage());
        assertEquals(HealthStatus.HEALTH_STATUS_HEALTHY, find(result, "api", "postgres").getStatus());
        assertEquals(HealthStatus.HEALTH_STATUS_UNHEALTHY, find(result, "relay", "redis").getStatus());
    }

    @Test
    void checksRunConcurrentlyAndEachStopsAtTheTimeout() throws Exception {
        FakeService hanging = service().health(200, 4000);
        // Accepts connections and never answers: the JDBC driver waits for the server's first message.
        ServerSocket silent = new ServerSocket();
        silent.bind(new InetSocketAddress("127.0.0.1", 0));
        List<Socket> accepted = new ArrayList<>();
        Thread acceptor = new Thread(() -> {
            try {
                while (true) {
                    accepted.add(silent.accept());
                }
            } catch (IOException e) {
                // closed at the end of the test
            }
        });
        acceptor.start();
        closing.add(silent);
        DependencyChecker checker = checker(manifest("""
                  api: {image: materi/api, dependsOn: [postgres, redis, shield]}
                  shield: {image: materi/shield, health: "%s"}
                """.formatted(hanging.url("/health")), "jdbc:postgresql://127.0.0.1:" + silent.getLocalPort() + "/postgres",
                RedisServer.shared().url()), 600);

        long start = System.nanoTime();
        DependencyCheckCompletedEvent result = checker.check(stageCompleted("railway", DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS))
                .getDependencyCheckCompleted();
        long tookMs = (System.nanoTime() - start) / 1_000_000;

        assertTrue(tookMs < 2500, "two hanging checks of 600 ms each took " + tookMs + " ms");
        assertEquals(DependencyCheckResult.DEPENDENCY_CHECK_RESULT_SOME_DEGRADED, result.getResult(), result.toString());
        DependencyStatus postgres = find(result, "api", "postgres");
        assertEquals(HealthStatus.HEALTH_STATUS_UNHEALTHY, postgres.getStatus(), postgres.toString());
        DependencyStatus shield = find(result, "api", "shield");
        assertEquals(HealthStatus.HEALTH_STATUS_UNHEALTHY, shield.getStatus(), shield.toString());
        assertTrue(shield.getResponseTimeMs() >= 500 && shield.getResponseTimeMs() < 2000, shield.toString());
        assertEquals(HealthStatus.HEALTH_STATUS_HEALTHY, find(result, "api", "redis").getStatus());
    }

    @Test
    void sharedDependencyIsCheckedOnceAndReportedPerService() throws Exception {
        FakeService shield = service();
        DependencyChecker checker = checker(manifest("""
                  api: {image: materi/api, dependsOn: [shield]}
                  relay: {image: materi/relay, dependsOn: [shield]}
                  shield: {image: materi/shield, health: "%s"}
                """.formatted(shield.url("/health")), POSTGRES, RedisServer.shared().url()), 3000);

        DependencyCheckCompletedEvent result = checker.check(stageCompleted("railway", DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS))
                .getDependencyCheckCompleted();

        assertEquals(List.of("api", "relay"), result.getDependenciesList().stream().map(DependencyStatus::getService).toList());
        assertEquals(1, shield.hits("health"));
        assertEquals(DependencyCheckResult.DEPENDENCY_CHECK_RESULT_ALL_HEALTHY, result.getResult());
    }

    @Test
    void unknownServicesAreReportedNotContactedAndTheEventSelectsServices() throws Exception {
        FakeService folioDependency = service();
        DependencyChecker checker = checker(manifest("""
                  api: {image: materi/api, dependsOn: [postgres]}
                  relay: {image: materi/relay, dependsOn: [redis]}
                  shield: {image: materi/shield}
                  folio: {image: materi/folio, dependsOn: [folio-api]}
                """, POSTGRES, RedisServer.shared().url(),
                "folio-api: {type: http, url: \"" + folioDependency.url("/health") + "\"}"), 3000);

        DependencyCheckCompletedEvent result = checker.check(stageCompleted("railway", DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS,
                "api", "folio", "ghost")).getDependencyCheckCompleted();

        assertEquals(List.of("folio", "ghost", "api"), result.getDependenciesList().stream().map(DependencyStatus::getService).toList());
        DependencyStatus ghost = result.getDependencies(1);
        assertEquals(HealthStatus.HEALTH_STATUS_UNHEALTHY, ghost.getStatus());
        assertTrue(ghost.getErrorMessage().contains("'ghost' is not a service of stage railway"), ghost.getErrorMessage());
        assertEquals(0, folioDependency.hits("health"), "folio is in another stage: its dependencies are not contacted");
        assertEquals(DependencyCheckResult.DEPENDENCY_CHECK_RESULT_SOME_DEGRADED, result.getResult());
    }

    @Test
    void serviceDependencyWithoutHealthUrlIsInconclusive() throws Exception {
        DependencyChecker checker = checker(manifest("""
                  api: {image: materi/api, dependsOn: [shield]}
                  shield: {image: materi/shield}
                """, POSTGRES, RedisServer.shared().url()), 3000);

        DeploymentEvent trigger = stageCompleted("railway", DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS, "api");
        DeploymentEvent completed = checker.check(trigger);
        DependencyCheckCompletedEvent result = completed.getDependencyCheckCompleted();

        assertEquals(completed.getEventId(), checker.check(trigger).getEventId(), "a repeated check republishes under the same id");
        DependencyStatus shield = result.getDependencies(0);
        assertEquals(HealthStatus.HEALTH_STATUS_INCONCLUSIVE, shield.getStatus());
        assertEquals("services.shield has no health URL in the manifest: cannot be checked", shield.getErrorMessage());
        assertEquals(DependencyCheckResult.DEPENDENCY_CHECK_RESULT_SOME_DEGRADED, result.getResult());
    }

    @Test
    void failedStagesAndStagesWithoutDependencyChecksAreNotChecked() throws Exception {
        FakeService shield = service();
        DependencyChecker checker = checker(manifest("""
                  api: {image: materi/api, dependsOn: [shield]}
                  shield: {image: materi/shield, health: "%s"}
                  folio: {image: materi/folio, dependsOn: [shield]}
                """.formatted(shield.url("/health")), POSTGRES, RedisServer.shared().url()), 3000);

        for (DeploymentEvent event : List.of(stageCompleted("railway", DeploymentStatus.DEPLOYMENT_STATUS_FAILURE),
                stageCompleted("folio", DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS),
                stageCompleted("nowhere", DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS))) {
            assertNull(checker.started(event));
            assertNull(checker.check(event));
        }
        assertEquals(0, shield.hits("health"));
    }

    private FakeService service() throws IOException {
        FakeService service = new FakeService();
        closing.add(service);
        return service;
    }

    private DependencyChecker checker(String manifestYaml, long timeoutMs) {
        Manifest manifest = new ManifestLoader(name -> null).parse("test-manifest.yaml", manifestYaml);
        DependencyChecker checker = new DependencyChecker(manifest, THRESHOLDS,
                new DependencyProbe(java.time.Duration.ofMillis(timeoutMs)), timeoutMs, executor);
        closing.add(checker);
        return checker;
    }

    /**
     * Railway holds api, shield, relay; folio is its own stage without dependency checks. Services the test does not
     * describe get a bare entry.
     */
    private static String manifest(String services, String postgresUrl, String redisUrl, String... moreInfrastructure) {
        StringBuilder described = new StringBuilder(services.stripTrailing());
        for (String name : List.of("api", "shield", "relay", "folio")) {
            if (!services.contains(" " + name + ": {")) {
                described.append("\n  ").append(name).append(": {image: materi/").append(name).append("}");
            }
        }
        return """
                stages:
                  - {name: railway, services: [api, shield, relay], checkDependencies: true}
                  - {name: folio, services: [folio]}
                services:
                %s
                infrastructure:
                  postgres: {type: postgres, url: "%s", username: postgres}
                  redis: {type: redis, url: "%s"}
                """.formatted(described, postgresUrl, redisUrl)
                + String.join("", List.of(moreInfrastructure).stream().map(i -> "  " + i + "\n").toList());
    }

    private static DependencyStatus find(DependencyCheckCompletedEvent result, String service, String dependency) {
        return result.getDependenciesList().stream()
                .filter(d -> d.getService().equals(service) && d.getDependency().equals(dependency)).findFirst().orElseThrow();
    }

    static DeploymentEvent stageCompleted(String stage, DeploymentStatus status, String... services) {
        return DeploymentEvent.newBuilder().setType(EventTypes.stageCompleted(stage)).setEventId(UUID.randomUUID().toString())
                .setDeploymentId("dep-" + UUID.randomUUID()).setCorrelationId("corr-" + UUID.randomUUID())
                .setStageCompleted(DeploymentStageCompletedEvent.newBuilder().setStage(stage).setStatus(status)
                        .addAllServices(List.of(services)).setVersion("1.4.0").setEnvironment("staging"))
                .build();
    }
}
