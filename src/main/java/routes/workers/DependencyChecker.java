package routes.workers;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import routes.events.EventTypes;
import routes.events.proto.DependencyCheckCompletedEvent;
import routes.events.proto.DependencyCheckResult;
import routes.events.proto.DependencyCheckStartedEvent;
import routes.events.proto.DependencyStatus;
import routes.events.proto.DeploymentEvent;
import routes.events.proto.DeploymentStageCompletedEvent;
import routes.events.proto.DeploymentStatus;
import routes.events.proto.HealthStatus;
import routes.manifest.Manifest;
import routes.manifest.Manifest.Infrastructure;
import routes.manifest.Manifest.Service;
import routes.workers.probe.Endpoints;

/**
 * After a successful stage whose manifest entry says checkDependencies, checks every dependency of the stage's
 * deployed services (PostgreSQL, Redis, other services' health URLs, HTTP infrastructure) concurrently, each within
 * the check timeout, and returns dependency:check:completed; dependency:check:started, which the route publishes
 * first, comes from {@link #started}. A dependency shared by several services is checked once.
 */
public class DependencyChecker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DependencyChecker.class);

    private final Manifest manifest;
    private final HealthThresholds thresholds;
    private final DependencyProbe probe;
    private final long timeoutMs;
    private final ExecutorService executor;

    /** A target to check, resolved from the manifest; {@code unchecked} says why it cannot be checked, else null. */
    private record Target(String type, String endpoint, String unchecked) {
    }

    public DependencyChecker(Manifest manifest, HealthThresholds thresholds, DependencyProbe probe, long timeoutMs,
                             ExecutorService executor) {
        this.manifest = manifest;
        this.thresholds = thresholds;
        this.probe = probe;
        this.timeoutMs = timeoutMs;
        this.executor = executor;
    }

    /**
     * @return dependency:check:started (stage, services), for the route to publish before it calls {@link #check};
     *         null when the event asks for no check, as {@link #check} decides: the route then stops
     */
    public DeploymentEvent started(DeploymentEvent event) {
        StageServices services = checked(event);
        if (services == null) {
            return null;
        }
        return ResultEvents.envelope(event, EventTypes.DEPENDENCY_CHECK_STARTED).setDependencyCheckStarted(
                DependencyCheckStartedEvent.newBuilder().setStage(services.stage()).addAllServices(services.names())).build();
    }

    /**
     * @return dependency:check:completed, or null when the event asks for no check (stage failed, or its manifest
     *         stage does not check dependencies)
     */
    public DeploymentEvent check(DeploymentEvent event) throws InterruptedException {
        StageServices services = checked(event);
        if (services == null) {
            return null;
        }
        DeploymentStageCompletedEvent completed = event.getStageCompleted();
        long start = System.nanoTime();

        Map<String, Target> targets = new LinkedHashMap<>();
        Map<String, Future<DependencyProbe.Outcome>> running = new LinkedHashMap<>();
        for (Service service : services.known()) {
            for (String dependency : service.dependsOn()) {
                Target target = targets.computeIfAbsent(dependency, this::target);
                if (target.unchecked() == null && !running.containsKey(dependency)) {
                    running.put(dependency, executor.submit(() -> run(dependency)));
                }
            }
        }
        Map<String, DependencyProbe.Outcome> outcomes = new LinkedHashMap<>();
        long deadline = start + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        for (Map.Entry<String, Future<DependencyProbe.Outcome>> entry : running.entrySet()) {
            outcomes.put(entry.getKey(), await(entry.getValue(), start, deadline));
        }

        List<DependencyStatus> statuses = new ArrayList<>();
        for (String unknown : services.unknown()) {
            statuses.add(DependencyStatus.newBuilder().setService(unknown).setStatus(HealthStatus.HEALTH_STATUS_UNHEALTHY)
                    .setErrorMessage(services.unknownReason(unknown)).build());
        }
        for (Service service : services.known()) {
            for (String dependency : service.dependsOn()) {
                statuses.add(status(service.name(), dependency, targets.get(dependency), outcomes.get(dependency)));
            }
        }
        DependencyCheckResult result = overall(statuses);
        long durationMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        LOG.debug("Dependency check of stage {} for deployment {}: {} ({} dependencies, {} ms)", completed.getStage(),
                event.getDeploymentId(), result, statuses.size(), durationMs);
        return ResultEvents.envelope(event, EventTypes.DEPENDENCY_CHECK_COMPLETED)
                .setDependencyCheckCompleted(DependencyCheckCompletedEvent.newBuilder().setStage(completed.getStage())
                        .setResult(result).addAllDependencies(statuses).setDurationMs(durationMs))
                .build();
    }

    @Override
    public void close() {
        probe.close();
    }

    /**
     * ALL_HEALTHY when every dependency is healthy (also when there are none), ALL_UNHEALTHY when every one is
     * unhealthy, SOME_DEGRADED otherwise (slow, unverifiable, or some but not all unhealthy).
     */
    static DependencyCheckResult overall(List<DependencyStatus> statuses) {
        if (statuses.stream().allMatch(s -> s.getStatus() == HealthStatus.HEALTH_STATUS_HEALTHY)) {
            return DependencyCheckResult.DEPENDENCY_CHECK_RESULT_ALL_HEALTHY;
        }
        if (statuses.stream().allMatch(s -> s.getStatus() == HealthStatus.HEALTH_STATUS_UNHEALTHY)) {
            return DependencyCheckResult.DEPENDENCY_CHECK_RESULT_ALL_UNHEALTHY;
        }
        return DependencyCheckResult.DEPENDENCY_CHECK_RESULT_SOME_DEGRADED;
    }

    /** The services whose dependencies the event asks to check, or null (logged) when it asks for no check. */
    private StageServices checked(DeploymentEvent event) {
        DeploymentStageCompletedEvent completed = event.getStageCompleted();
        boolean eligible = completed.getStatus() == DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS
                && manifest.stage(completed.getStage()).map(Manifest.Stage::checkDependencies).orElse(false);
        if (!eligible) {
            LOG.debug("No dependency check for {} of deployment {} (status {})", event.getType(),
                    event.getDeploymentId(), completed.getStatus());
            return null;
        }
        return StageServices.resolve(manifest, completed.getStage(), completed.getServicesList());
    }

    private Target target(String dependency) {
        Infrastructure infrastructure = manifest.infrastructure().get(dependency);
        if (infrastructure != null) {
            return new Target(infrastructure.type(), Endpoints.withoutCredentials(infrastructure.url()), null);
        }
        Service service = manifest.services().get(dependency);
        if (service.health() == null) {
            return new Target("http", "", "services." + dependency + " has no health URL in the manifest: cannot be checked");
        }
        return new Target("http", Endpoints.withoutCredentials(service.health()), null);
    }

    private DependencyProbe.Outcome run(String dependency) {
        Infrastructure infrastructure = manifest.infrastructure().get(dependency);
        if (infrastructure == null) {
            return probe.http(manifest.services().get(dependency).health());
        }
        return switch (infrastructure.type()) {
            case "postgres" -> probe.postgres(infrastructure.url(), infrastructure.username(), infrastructure.password());
            case "redis" -> probe.redis(infrastructure.url());
            default -> probe.http(infrastructure.url());
        };
    }

    private DependencyProbe.Outcome await(Future<DependencyProbe.Outcome> future, long startNanos, long deadlineNanos)
            throws InterruptedException {
        try {
            return future.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException | CancellationException e) {
            future.cancel(true);
            return new DependencyProbe.Outcome(timeoutMs, "no answer within the check timeout of " + timeoutMs + " ms");
        } catch (ExecutionException e) {
            return new DependencyProbe.Outcome(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos),
                    DependencyProbe.describe(e.getCause()));
        }
    }

    private DependencyStatus status(String service, String dependency, Target target, DependencyProbe.Outcome outcome) {
        DependencyStatus.Builder status = DependencyStatus.newBuilder().setService(service).setDependency(dependency)
                .setType(target.type()).setEndpoint(target.endpoint());
        if (target.unchecked() != null) {
            return status.setStatus(HealthStatus.HEALTH_STATUS_INCONCLUSIVE).setErrorMessage(target.unchecked()).build();
        }
        status.setResponseTimeMs(outcome.responseMs());
        if (outcome.error() != null) {
            return status.setStatus(HealthStatus.HEALTH_STATUS_UNHEALTHY).setErrorMessage(outcome.error()).build();
        }
        HealthStatus speed = thresholds.responseTime(outcome.responseMs());
        status.setStatus(speed);
        if (speed != HealthStatus.HEALTH_STATUS_HEALTHY) {
            status.setErrorMessage("answered in " + outcome.responseMs() + " ms (>= " + thresholds.responseLimit(speed) + " ms)");
        }
        return status.build();
    }
}
