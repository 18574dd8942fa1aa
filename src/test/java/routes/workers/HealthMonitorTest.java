package routes.workers;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import routes.events.EventTypes;
import routes.events.proto.DeploymentEvent;
import routes.events.proto.DeploymentStatus;
import routes.events.proto.HealthCheckCompletedEvent;
import routes.events.proto.HealthStatus;
import routes.events.proto.ServiceHealthStatus;
import routes.manifest.Manifest;
import routes.manifest.ManifestLoader;
import routes.support.Ports;
import routes.support.TestApp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static routes.workers.DependencyCheckerTest.stageCompleted;

/** The health monitor against services on 127.0.0.1 whose counters move between scrapes; window 1 s, 3 samples. */
class HealthMonitorTest {

    private static final HealthThresholds THRESHOLDS = new HealthThresholds(1000, 5000, 0.01, 0.05);
    private static final DeploymentStatus SUCCESS = DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS;

    private static TestApp app;
    private final List<FakeService> services = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        app = TestApp.builder().manifest("stages: [{name: railway, services: [x]}]\nservices: {x: {image: x}}\n").noRoutes().start();
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    @AfterEach
    void closeServices() {
        services.forEach(FakeService::close);
    }

    @Test
    void serviceWithTrafficAndFastAnswersIsHealthy() throws Exception {
        FakeService api = service().traffic(100, 0);
        DeploymentEvent event = stageCompleted("railway", SUCCESS);
        HealthMonitor monitor = monitor(THRESHOLDS, entry("api", api));
        // as the route does: the started event on the stream first
        app.publisher().publish(monitor.started(event));

        HealthCheckCompletedEvent result = monitor.monitor(event).getHealthCheckCompleted();

        assertEquals(HealthStatus.HEALTH_STATUS_HEALTHY, result.getOverallStatus(), result.toString());
        ServiceHealthStatus status = result.getServices(0);
        assertTrue(status.getHealthOk() && status.getReadyOk() && status.getMetricsFlowing(), status.toString());
        assertEquals(200, status.getRequestsInWindow());
        assertEquals(0.0, status.getErrorRate());
        assertEquals(3, status.getSamples());
        assertEquals(3, api.hits("health"));
        assertEquals(3, api.hits("ready"));
        assertTrue(result.getRollbackReason().isEmpty());
        assertTrue(result.getDurationMs() >= 1000, "samples spread over the window: " + result.getDurationMs());

        DeploymentEvent started = app.awaitEvent(app.streams().health(),
                e -> e.getType().equals(EventTypes.HEALTH_CHECK_STARTED) && e.getDeploymentId().equals(event.getDeploymentId()),
                Duration.ofSeconds(10));
        assertEquals(1000, started.getHealthCheckStarted().getWindowMs());
        assertEquals(List.of("api"), started.getHealthCheckStarted().getServicesList());
    }

    @Test
    void errorRateOfSevenPercentIsUnhealthyWithTheRollbackReason() throws Exception {
        FakeService api = service().traffic(93, 7);
        FakeService shield = service().traffic(50, 0);

        HealthCheckCompletedEvent result = monitor(THRESHOLDS, entry("api", api), entry("shield", shield))
                .monitor(stageCompleted("railway", SUCCESS)).getHealthCheckCompleted();

        assertEquals(HealthStatus.HEALTH_STATUS_UNHEALTHY, result.getOverallStatus(), result.toString());
        ServiceHealthStatus status = result.getServices(0);
        assertEquals(HealthStatus.HEALTH_STATUS_UNHEALTHY, status.getStatus());
        assertEquals(0.07, status.getErrorRate(), 1e-9);
        assertEquals(200, status.getRequestsInWindow());
        assertEquals("api: error rate 7.0% (14/200 5xx) over 1s >= 5%", result.getRollbackReason());
        assertEquals(HealthStatus.HEALTH_STATUS_HEALTHY, result.getServices(1).getStatus());
    }

    @Test
    void errorRateOfTwoPercentIsDegradedAlsoWithAServicesOwnCounter() throws Exception {
        FakeService api = service().traffic(98, 2);
        FakeService shield = service().traffic(49, 1).counter("app_requests_total", "code");

        HealthCheckCompletedEvent result = monitor(THRESHOLDS, entry("api", api),
                entry("shield", shield) + ", requestCounter: app_requests_total").monitor(stageCompleted("railway", SUCCESS))
                .getHealthCheckCompleted();

        assertEquals(HealthStatus.HEALTH_STATUS_DEGRADED, result.getOverallStatus(), result.toString());
        for (ServiceHealthStatus status : result.getServicesList()) {
            assertEquals(HealthStatus.HEALTH_STATUS_DEGRADED, status.getStatus(), status.toString());
            assertEquals(0.02, status.getErrorRate(), 1e-9);
            assertTrue(status.getReason().contains(">= 1%"), status.getReason());
        }
        assertEquals(100, result.getServices(1).getRequestsInWindow());
        assertTrue(result.getRollbackReason().isEmpty());
    }

    @Test
    void noTrafficIsInconclusiveNotAFailure() throws Exception {
        FakeService api = service();
        FakeService shield = service().traffic(100, 0);

        HealthCheckCompletedEvent result = monitor(THRESHOLDS, entry("api", api), entry("shield", shield))
                .monitor(stageCompleted("railway", SUCCESS)).getHealthCheckCompleted();

        assertEquals(HealthStatus.HEALTH_STATUS_INCONCLUSIVE, result.getOverallStatus(), result.toString());
        ServiceHealthStatus status = result.getServices(0);
        assertEquals(HealthStatus.HEALTH_STATUS_INCONCLUSIVE, status.getStatus());
        assertFalse(status.getMetricsFlowing());
        assertTrue(status.getHealthOk() && status.getReadyOk());
        assertEquals(0, status.getRequestsInWindow());
        assertEquals(3, status.getSamples());
        assertEquals("no traffic: http_requests_total did not increase over 1s, error rate not judged", status.getReason());
        assertTrue(result.getRollbackReason().isEmpty());
    }

    @Test
    void slowHealthIsDegradedAndOutranksInconclusive() throws Exception {
        FakeService api = service().traffic(100, 0).health(200, 1500);
        FakeService shield = service();

        HealthCheckCompletedEvent result = monitor(THRESHOLDS, entry("api", api), entry("shield", shield))
                .monitor(stageCompleted("railway", SUCCESS)).getHealthCheckCompleted();

        assertEquals(HealthStatus.HEALTH_STATUS_DEGRADED, result.getOverallStatus(), result.toString());
        ServiceHealthStatus status = result.getServices(0);
        assertEquals(HealthStatus.HEALTH_STATUS_DEGRADED, status.getStatus(), status.toString());
        assertTrue(status.getResponseTimeMs() >= 1500 && status.getResponseTimeMs() < 5000, status.toString());
        assertTrue(status.getHealthOk());
        assertTrue(status.getReason().startsWith("health response time "), status.getReason());
        assertEquals(HealthStatus.HEALTH_STATUS_INCONCLUSIVE, result.getServices(1).getStatus());
    }

    @Test
    void failingAndTimedOutProbesAreUnhealthy() throws Exception {
        HealthThresholds fast = new HealthThresholds(200, 500, 0.01, 0.05);
        FakeService api = service().traffic(100, 0).health(503, 0);
        FakeService shield = service().traffic(100, 0).ready(200, 2000);

        long start = System.nanoTime();
        HealthCheckCompletedEvent result = monitor(fast, entry("api", api), entry("shield", shield))
                .monitor(stageCompleted("railway", SUCCESS)).getHealthCheckCompleted();
        long tookMs = (System.nanoTime() - start) / 1_000_000;

        assertEquals(HealthStatus.HEALTH_STATUS_UNHEALTHY, result.getOverallStatus(), result.toString());
        ServiceHealthStatus apiStatus = result.getServices(0);
        assertFalse(apiStatus.getHealthOk());
        assertTrue(apiStatus.getReadyOk());
        ServiceHealthStatus shieldStatus = result.getServices(1);
        assertEquals(HealthStatus.HEALTH_STATUS_UNHEALTHY, shieldStatus.getStatus());
        assertFalse(shieldStatus.getReadyOk());
        assertTrue(shieldStatus.getResponseTimeMs() >= 500, shieldStatus.toString());
        assertTrue(tookMs < 4000, "probes give up at the unhealthy limit, took " + tookMs + " ms");
        assertTrue(result.getRollbackReason().contains("api: health " + api.url("/health") + " failed in 3/3 samples: HTTP 503"),
                result.getRollbackReason());
        assertTrue(result.getRollbackReason().contains("shield: ready " + shield.url("/ready")
                + " failed in 3/3 samples: no answer within 500 ms"), result.getRollbackReason());
    }

    @Test
    void aRedirectIsReportedNotFollowed() throws Exception {
        FakeService api = service().traffic(100, 0);
        api.healthRedirect(api.url("/ready"));

        HealthCheckCompletedEvent result = monitor(THRESHOLDS, entry("api", api))
                .monitor(stageCompleted("railway", SUCCESS)).getHealthCheckCompleted();

        assertEquals(HealthStatus.HEALTH_STATUS_UNHEALTHY, result.getOverallStatus(), result.toString());
        assertFalse(result.getServices(0).getHealthOk());
        assertTrue(result.getRollbackReason().contains("api: health " + api.url("/health") + " failed in 3/3 samples: HTTP 302"),
                result.getRollbackReason());
        assertEquals(3, api.hits("ready"), "only the samples' own ready polls, no redirect followed");
    }

    @Test
    void missingUrlsUnreachableMetricsAndUnknownServicesAreReported() throws Exception {
        FakeService printery = service();
        int closed = Ports.free();
        String manifest = manifest("""
                  relay: {image: materi/relay}
                  printery: {image: materi/printery, health: "%s", ready: "%s", metrics: "http://127.0.0.1:%d/metrics"}
                """.formatted(printery.url("/health"), printery.url("/ready"), closed));

        HealthCheckCompletedEvent result = monitorOf(THRESHOLDS, manifest)
                .monitor(stageCompleted("railway", SUCCESS, "relay", "printery", "ghost")).getHealthCheckCompleted();

        assertEquals(HealthStatus.HEALTH_STATUS_UNHEALTHY, result.getOverallStatus(), result.toString());
        ServiceHealthStatus relay = status(result, "relay");
        assertEquals(HealthStatus.HEALTH_STATUS_DEGRADED, relay.getStatus());
        assertEquals("no health URL in the manifest; no ready URL in the manifest; no metrics URL in the manifest: error rate not judged",
                relay.getReason());
        ServiceHealthStatus printeryStatus = status(result, "printery");
        assertEquals(HealthStatus.HEALTH_STATUS_DEGRADED, printeryStatus.getStatus());
        assertFalse(printeryStatus.getMetricsFlowing());
        assertEquals(0, printeryStatus.getSamples());
        assertTrue(printeryStatus.getReason().startsWith("metrics http://127.0.0.1:" + closed + "/metrics failed in 3/3 samples: "),
                printeryStatus.getReason());
        assertEquals(HealthStatus.HEALTH_STATUS_UNHEALTHY, status(result, "ghost").getStatus());
        assertEquals("ghost: 'ghost' is not a service of stage railway in the manifest: not checked", result.getRollbackReason());
    }

    @Test
    void aRefusedConnectionReadsConnectionRefusedToHostAndPort() throws Exception {
        int closed = Ports.free();
        String base = "http://127.0.0.1:" + closed;
        String manifest = manifest("""
                  api: {image: materi/api, health: "%1$s/health", ready: "%1$s/ready", metrics: "%1$s/metrics"}
                """.formatted(base));

        HealthCheckCompletedEvent result = monitorOf(THRESHOLDS, manifest).monitor(stageCompleted("railway", SUCCESS))
                .getHealthCheckCompleted();

        String refused = "connection refused to 127.0.0.1:" + closed;
        String reason = status(result, "api").getReason();
        for (String what : List.of("health", "ready", "metrics")) {
            assertTrue(reason.contains(what + " " + base + "/" + what + " failed in 3/3 samples: " + refused), reason);
        }
        assertTrue(result.getRollbackReason().contains("api: health " + base + "/health failed in 3/3 samples: " + refused),
                result.getRollbackReason());
    }

    @Test
    void failedStageIsNotWatched() throws Exception {
        FakeService api = service().traffic(100, 0);

        for (DeploymentEvent event : List.of(stageCompleted("railway", DeploymentStatus.DEPLOYMENT_STATUS_FAILURE),
                stageCompleted("nowhere", SUCCESS))) {
            assertNull(monitor(THRESHOLDS, entry("api", api)).started(event));
            assertNull(monitor(THRESHOLDS, entry("api", api)).monitor(event));
        }
        assertEquals(0, api.hits("health") + api.hits("metrics"));
    }

    private FakeService service() throws IOException {
        FakeService service = new FakeService();
        services.add(service);
        return service;
    }

    private static String entry(String name, FakeService service) {
        return "  " + name + ": {image: materi/" + name + ", health: \"" + service.url("/health") + "\", ready: \""
                + service.url("/ready") + "\", metrics: \"" + service.url("/metrics") + "\"";
    }

    private HealthMonitor monitor(HealthThresholds thresholds, String... entries) {
        List<String> closed = new ArrayList<>();
        for (String entry : entries) {
            closed.add(entry + "}");
        }
        return monitorOf(thresholds, manifest(String.join("\n", closed)));
    }

    private HealthMonitor monitorOf(HealthThresholds thresholds, String manifestYaml) {
        Manifest manifest = new ManifestLoader(name -> null).parse("test-manifest.yaml", manifestYaml);
        return new HealthMonitor(manifest, thresholds, 1000, 3, "http_requests_total");
    }

    /** The railway stage holds the described services, in the order given. */
    private static String manifest(String services) {
        List<String> names = services.lines().map(String::strip).filter(l -> !l.isEmpty())
                .map(l -> l.substring(0, l.indexOf(':'))).toList();
        return "stages:\n  - {name: railway, services: " + names + "}\nservices:\n" + services.stripTrailing() + "\n";
    }

    private static ServiceHealthStatus status(HealthCheckCompletedEvent result, String service) {
        return result.getServicesList().stream().filter(s -> s.getService().equals(service)).findFirst().orElseThrow();
    }
}
