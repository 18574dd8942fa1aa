package routes.workers;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import routes.events.EventTypes;
import routes.events.proto.DeploymentEvent;
import routes.events.proto.DeploymentStageCompletedEvent;
import routes.events.proto.DeploymentStatus;
import routes.events.proto.HealthCheckCompletedEvent;
import routes.events.proto.HealthCheckStartedEvent;
import routes.events.proto.HealthStatus;
import routes.events.proto.ServiceHealthStatus;
import routes.manifest.Manifest;
import routes.workers.probe.ProbeHttpClient;

/**
 * After a successful stage, watches each of its services for a window: {@code samples} rounds, evenly spread from
 * the start to the end of the window, each polling every service's health and ready URLs and scraping its metrics
 * at once. Judges each service by {@link HealthThresholds} and returns health:check:completed; an UNHEALTHY result
 * carries the rollback reason (service and figures). health:check:started, which the route publishes first, comes
 * from {@link #started}.
 */
public class HealthMonitor {

    private static final Logger LOG = LoggerFactory.getLogger(HealthMonitor.class);

    private final Manifest manifest;
    private final HealthThresholds thresholds;
    private final long windowMs;
    private final int samples;
    private final String requestCounter;
    private final Supplier<HttpClient> http;
    private final Duration requestTimeout;

    /**
     * @param requestCounter the Prometheus counter of requests a service's manifest entry does not override
     */
    public HealthMonitor(Manifest manifest, HealthThresholds thresholds, long windowMs, int samples,
                         String requestCounter) {
        if (samples < 2) {
            throw new IllegalArgumentException("the health monitor needs at least 2 samples to see counters move, got " + samples);
        }
        if (windowMs <= 0) {
            throw new IllegalArgumentException("the health monitor window must be positive, got " + windowMs + " ms");
        }
        this.manifest = manifest;
        this.thresholds = thresholds;
        this.windowMs = windowMs;
        this.samples = samples;
        this.requestCounter = requestCounter;
        // An answer slower than the unhealthy limit is unhealthy whatever it says: no need to wait longer.
        this.requestTimeout = Duration.ofMillis(thresholds.unhealthyResponseMs());
        this.http = ProbeHttpClient.onFirstUse(requestTimeout);
    }

    /**
     * @return health:check:started (stage, services, window), for the route to publish before it calls
     *         {@link #monitor}; null when there is nothing to watch, as {@link #monitor} decides: the route then stops
     */
    public DeploymentEvent started(DeploymentEvent event) {
        StageServices services = watched(event);
        if (services == null) {
            return null;
        }
        return ResultEvents.envelope(event, EventTypes.HEALTH_CHECK_STARTED).setHealthCheckStarted(
                HealthCheckStartedEvent.newBuilder().setStage(services.stage()).addAllServices(services.names())
                        .setWindowMs(windowMs)).build();
    }

    /**
     * @return health:check:completed, or null when there is nothing to watch (stage failed, or no services)
     */
    public DeploymentEvent monitor(DeploymentEvent event) throws InterruptedException {
        StageServices services = watched(event);
        if (services == null) {
            return null;
        }
        DeploymentStageCompletedEvent completed = event.getStageCompleted();
        long start = System.nanoTime();
        List<ServiceWindow> windows = services.known().stream().map(s -> new ServiceWindow(s, requestCounter)).toList();
        observe(windows, start);

        String window = window();
        List<ServiceHealthStatus> statuses = new ArrayList<>();
        List<String> rollback = new ArrayList<>();
        HealthStatus overall = HealthStatus.HEALTH_STATUS_HEALTHY;
        for (String unknown : services.unknown()) {
            statuses.add(ServiceHealthStatus.newBuilder().setService(unknown).setStatus(HealthStatus.HEALTH_STATUS_UNHEALTHY)
                    .setReason(services.unknownReason(unknown)).build());
            rollback.add(unknown + ": " + services.unknownReason(unknown));
        }
        for (ServiceWindow w : windows) {
            statuses.add(w.judge(thresholds, window));
            if (w.rollbackReason() != null) {
                rollback.add(w.rollbackReason());
            }
        }
        for (ServiceHealthStatus status : statuses) {
            overall = HealthStatuses.worst(overall, status.getStatus());
        }
        long durationMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        HealthCheckCompletedEvent.Builder result = HealthCheckCompletedEvent.newBuilder().setStage(completed.getStage())
                .setOverallStatus(overall).addAllServices(statuses).setDurationMs(durationMs);
        if (overall == HealthStatus.HEALTH_STATUS_UNHEALTHY) {
            result.setRollbackReason(String.join("; ", rollback));
            LOG.warn("Health check of stage {} for deployment {}: UNHEALTHY: {}", completed.getStage(),
                    event.getDeploymentId(), result.getRollbackReason());
        } else {
            LOG.debug("Health check of stage {} for deployment {}: {} ({} services, {} ms)", completed.getStage(),
                    event.getDeploymentId(), overall, statuses.size(), durationMs);
        }
        return ResultEvents.envelope(event, EventTypes.HEALTH_CHECK_COMPLETED).setHealthCheckCompleted(result).build();
    }

    /** The services to watch for the event, or null (logged) when there is nothing to watch. */
    private StageServices watched(DeploymentEvent event) {
        DeploymentStageCompletedEvent completed = event.getStageCompleted();
        if (completed.getStatus() != DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS) {
            LOG.debug("No health check for {} of deployment {} (status {})", event.getType(), event.getDeploymentId(),
                    completed.getStatus());
            return null;
        }
        StageServices services = StageServices.resolve(manifest, completed.getStage(), completed.getServicesList());
        if (services.isEmpty()) {
            LOG.warn("No services to watch for {} of deployment {}: stage {} has none in the manifest {}", event.getType(),
                    event.getDeploymentId(), completed.getStage(), manifest.source());
            return null;
        }
        return services;
    }

    /** Sample i is due at start + i * window / (samples - 1); a round that overruns only delays the next one. */
    private void observe(List<ServiceWindow> windows, long startNanos) throws InterruptedException {
        long intervalNanos = TimeUnit.MILLISECONDS.toNanos(windowMs) / (samples - 1);
        for (int i = 0; i < samples; i++) {
            long wait = startNanos + i * intervalNanos - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            CompletableFuture<?>[] round = windows.stream().map(w -> w.sample(http.get(), requestTimeout))
                    .toArray(CompletableFuture[]::new);
            try {
                CompletableFuture.allOf(round).get();
            } catch (ExecutionException e) {
                // Each request records its own failure; a failed round still leaves the others' samples.
                LOG.debug("Health sample round {} ended with {}", i, e.getCause().toString());
            }
        }
    }

    private String window() {
        return windowMs % 1000 == 0 ? windowMs / 1000 + "s" : String.format(Locale.ROOT, "%.1fs", windowMs / 1000.0);
    }
}
