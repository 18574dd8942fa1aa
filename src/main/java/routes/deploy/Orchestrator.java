package routes.deploy;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import routes.deploy.RunProgress.StageProgress;
import routes.deploy.deployers.DeployHandle;
import routes.deploy.deployers.DeployState.Phase;
import routes.deploy.deployers.DeployState;
import routes.deploy.deployers.Deployer;
import routes.deploy.deployers.DeployerException;
import routes.deploy.deployers.ServiceRelease;
import routes.deploy.deployers.ServiceSettings;
import routes.events.EventPublisher;
import routes.events.EventTypes;
import routes.events.proto.DependencyCheckResult;
import routes.events.proto.DeploymentCompletedEvent;
import routes.events.proto.DeploymentEvent;
import routes.events.proto.DeploymentFailedEvent;
import routes.events.proto.DeploymentStageCompletedEvent;
import routes.events.proto.DeploymentStageStartedEvent;
import routes.events.proto.DeploymentStartedEvent;
import routes.events.proto.DeploymentStatus;
import routes.events.proto.HealthStatus;
import routes.events.proto.RollbackCompletedEvent;
import routes.events.proto.RollbackInitiatedEvent;
import routes.events.proto.StageResult;
import routes.events.proto.ValidationResult;
import routes.manifest.Manifest.Stage;
import routes.manifest.Manifest;

/**
 * Runs deployments: publishes each step, deploys the manifest's stages in order through their deployers, gates on
 * the workers' results and rolls back in reverse order on failure. Every change of a deployment is a compare-and-set
 * in the database (DeploymentRuns), so any instance may take any step: results move a waiting deployment wherever
 * they arrive, and a deployment whose instance died is taken over when its lease runs out. Steps that run (deploying,
 * rolling back) hold the lease; waiting for a result holds nothing but a deadline.
 */
public class Orchestrator {

    private static final Logger LOG = LoggerFactory.getLogger(Orchestrator.class);

    private final DeploymentRuns runs;
    private final EventPublisher publisher;
    private final Manifest manifest;
    private final Map<String, Deployer> deployers;
    private final OrchestratorSettings settings;
    private final ServiceSettings deploySettings;
    private final String instance;
    private final ExecutorService executor;
    private final Clock clock;
    private final Map<String, AtomicInteger> driving = new ConcurrentHashMap<>();
    /**
     * Each deployment this instance drives, as its thread last read or wrote it: the first try of its next change,
     * so a step's writes need no read before each. Stale when a result or a cancel came in between: that write then
     * fails its compare-and-set and the change reads the run again.
     */
    private final Map<String, DeploymentRun> held = new ConcurrentHashMap<>();
    /** When the result that opened a deployment's gate was published, until the next step is announced. */
    private final Map<String, Long> gateOpenedAt = new ConcurrentHashMap<>();
    private volatile MeterRegistry meters;

    public Orchestrator(DeploymentRuns runs, EventPublisher publisher, Manifest manifest, Map<String, Deployer> deployers,
                        OrchestratorSettings settings, String instance, ExecutorService executor, Clock clock) {
        this.runs = runs;
        this.publisher = publisher;
        this.manifest = manifest;
        this.deployers = Map.copyOf(deployers);
        this.settings = settings;
        this.deploySettings = settingsOf(manifest);
        this.instance = instance;
        this.executor = executor;
        this.clock = clock;
    }

    /**
     * Starts a deployment and returns at once; it runs on the orchestrator's threads.
     *
     * @throws EnvironmentLockedException when a deployment runs in the environment
     * @throws IllegalArgumentException   when the manifest cannot deploy the request (unknown services, no deployer)
     */
    public DeploymentRun deploy(DeployRequest request) {
        DeploymentRun run = submit(request);
        executor.execute(() -> drive(run.id()));
        return run;
    }

    /** The stages a deployment of these services (all when empty) goes through, each with its deployer. */
    public List<Stage> plan(List<String> services) {
        for (String service : services) {
            if (manifest.service(service).isEmpty()) {
                throw new IllegalArgumentException("service '" + service + "' is not in manifest " + manifest.source());
            }
        }
        List<Stage> stages = new ArrayList<>();
        for (Stage stage : manifest.stages()) {
            List<String> deployed = stage.services().stream().filter(s -> services.isEmpty() || services.contains(s)).toList();
            if (deployed.isEmpty()) {
                continue;
            }
            if (stage.deployer() == null || !deployers.containsKey(stage.deployer())) {
                throw new IllegalArgumentException("stage " + stage.name() + " names " + (stage.deployer() == null
                        ? "no deployer" : "deployer '" + stage.deployer() + "', which is not one of " + deployers.keySet().stream().sorted().toList())
                        + " (manifest " + manifest.source() + ")");
            }
            stages.add(new Stage(stage.name(), deployed, stage.checkDependencies(), stage.deployer(), stage.settings()));
        }
        return stages;
    }

    /** Asks a deployment to stop: what was deployed is rolled back and it ends CANCELLED. False when it had ended. */
    public boolean cancel(String id, String actor) {
        boolean asked = requestCancel(id, actor);
        if (asked) {
            executor.execute(() -> drive(id));
        }
        return asked;
    }

    /**
     * Marks a deployment cancelled and leaves the stopping to the instance running it, or, when it waits, to the next
     * sweep of any instance: what a one-shot command does. False when it had ended.
     */
    public boolean requestCancel(String id, String actor) {
        Optional<DeploymentRun> cancelled = change(id, run -> new DeploymentRun(run.id(), run.correlationId(),
                run.version(), run.environment(), run.strategy(), run.services(), run.actor(), run.phase(),
                run.stageIndex(), run.deadlineAt(), true, run.progress(), run.error(), run.startedAt(), clock.instant(),
                run.finishedAt(), run.leaseOwner(), run.leaseUntil(), run.fencingToken(), run.revision()));
        cancelled.ifPresent(run -> {
            try (DeploymentMdc mdc = DeploymentMdc.of(run)) {
                LOG.info("Deployment {} cancelled by {}", id, actor);
            }
        });
        return cancelled.isPresent();
    }

    /**
     * Stores a deployment for the instances' next sweep to run (what a one-shot command does: it does not stay to
     * run it).
     *
     * @throws EnvironmentLockedException when a deployment runs in the environment
     */
    public DeploymentRun submit(DeployRequest request) {
        plan(request.services());
        DeploymentRun run = runs.create(DeploymentRun.pending(request.id(), request.id(), request.version(),
                request.environment(), request.strategy(), request.services(), request.actor(), clock.instant()));
        try (DeploymentMdc mdc = DeploymentMdc.of(run)) {
            LOG.info("Deployment {} of {} to {} started by {}", run.id(), run.version(), run.environment(), run.actor());
        }
        return run;
    }

    /**
     * From now on also histograms of each stage's deploy duration (printery_stage_duration_seconds, by stage and
     * status) and of the gate latency (printery_gate_latency_seconds: from a worker's result that lets a deployment
     * go on to the orchestrator's next event for it).
     */
    public void measureWith(MeterRegistry registry) {
        this.meters = registry;
        // Registered now, so the series are there (at 0) before the first deployment.
        gateLatency(registry);
        for (Stage stage : manifest.stages()) {
            stageDuration(registry, stage.name(), true);
            stageDuration(registry, stage.name(), false);
        }
    }

    private static Timer gateLatency(MeterRegistry registry) {
        return Timer.builder("printery_gate_latency")
                .description("from a worker's result that lets a deployment go on to the orchestrator's next event for it")
                .publishPercentileHistogram().register(registry);
    }

    private static Timer stageDuration(MeterRegistry registry, String stage, boolean failed) {
        return Timer.builder("printery_stage_duration").description("a stage's deploy, from its start to its end")
                .tags("stage", stage, "status", failed ? "failure" : "success").publishPercentileHistogram()
                .register(registry);
    }

    public OrchestratorSettings settings() {
        return settings;
    }

    public Optional<DeploymentRun> find(String id) {
        return runs.find(id);
    }

    /**
     * A worker's result (route orchestrator, group printery-orchestrator). Moves the deployment only when it is
     * waiting for exactly this result; a duplicate, a late one or one for another stage changes nothing.
     */
    public void onResult(DeploymentEvent event) {
        String type = event.getType();
        // The result and, when nobody holds it, this instance's lease in one write: the next step starts at once.
        AtomicBoolean leased = new AtomicBoolean();
        Optional<DeploymentRun> moved = change(event.getDeploymentId(), run -> {
            DeploymentRun next = recorded(run, type, event);
            leased.set(next != null && leaseFree(run));
            return next == null || !leased.get() ? next : leased(next, run.fencingToken() + 1);
        });
        moved.ifPresent(run -> {
            if (meters != null && event.getTimestamp() > 0) {
                gateOpenedAt.put(run.id(), event.getTimestamp());
            }
            executor.execute(() -> drive(run.id(), leased.get() ? run : null));
        });
    }

    /** The run with the result recorded, or null when it does not wait for exactly this result. */
    private static DeploymentRun recorded(DeploymentRun run, String type, DeploymentEvent event) {
        RunProgress progress = RunProgress.of(run.progress());
        if (run.phase() == RunPhase.VALIDATING && type.equals(EventTypes.VALIDATION_COMPLETED)
                && progress.validation == null) {
            progress.validation = event.getValidationCompleted().getResult().name();
            progress.failedChecks = event.getValidationCompleted().getChecksList().stream()
                    .filter(check -> check.getResult() == ValidationResult.VALIDATION_RESULT_FAILED)
                    .map(check -> check.getName()).distinct().toList();
            return run.withProgress(progress.json());
        }
        if (run.phase() != RunPhase.GATING) {
            return null;
        }
        StageProgress stage = progress.stages.get(run.stageIndex());
        if (type.equals(EventTypes.HEALTH_CHECK_COMPLETED) && stage.name.equals(event.getHealthCheckCompleted().getStage())
                && stage.health == null) {
            stage.health = event.getHealthCheckCompleted().getOverallStatus().name();
            if (!event.getHealthCheckCompleted().getRollbackReason().isEmpty()) {
                stage.error = event.getHealthCheckCompleted().getRollbackReason();
            }
        } else if (type.equals(EventTypes.DEPENDENCY_CHECK_COMPLETED)
                && stage.name.equals(event.getDependencyCheckCompleted().getStage()) && stage.dependency == null) {
            stage.dependency = event.getDependencyCheckCompleted().getResult().name();
        } else {
            return null;
        }
        return run.withProgress(progress.json());
    }

    /**
     * Whether nobody holds the run's lease. A lease held, by this instance too, is left alone: the thread holding it
     * is between steps, and a new token would void its next write.
     */
    private boolean leaseFree(DeploymentRun run) {
        return run.leaseOwner() == null || run.leaseUntil() == null || !run.leaseUntil().isAfter(clock.instant());
    }

    /** Takes what no instance is running: new deployments, expired leases of dead instances, deadlines that passed. */
    public void sweep() {
        Instant now = clock.instant();
        for (DeploymentRun run : runs.unleased(now, 100)) {
            if (!waiting(run) || run.cancelRequested() || !run.deadlineAt().isAfter(now)) {
                executor.execute(() -> drive(run.id()));
            }
        }
    }

    /** Whether the run waits for a result that has not come (a recorded one is acted on, also after a crash). */
    private boolean waiting(DeploymentRun run) {
        RunProgress progress = RunProgress.of(run.progress());
        if (run.phase() == RunPhase.VALIDATING) {
            return progress.validation == null && progress.published.contains("started");
        }
        if (run.phase() != RunPhase.GATING || progress.stages.size() <= run.stageIndex()) {
            return false;
        }
        StageProgress stage = progress.stages.get(run.stageIndex());
        if (!progress.published.contains("stage:" + stage.name + ":completed")) {
            // Gated but not announced (its instance died in between): no worker checks the stage until gate() does.
            return false;
        }
        boolean dependencies = plan(run.services()).get(run.stageIndex()).checkDependencies();
        return stage.health == null || dependencies && stage.dependency == null;
    }

    /**
     * Runs the deployment's steps on this thread, or, when another thread of this instance is running them, has that
     * thread look again once it is done: one thread per deployment and instance.
     */
    void drive(String id) {
        drive(id, null);
    }

    /** @param leased the run as this instance leased it, or null to take the lease first */
    private void drive(String id, DeploymentRun leased) {
        AtomicInteger requests = driving.computeIfAbsent(id, k -> new AtomicInteger());
        if (requests.getAndIncrement() > 0) {
            return;
        }
        DeploymentRun first = leased;
        do {
            driveOnce(id, first);
            first = null;
        } while (requests.decrementAndGet() > 0);
        driving.remove(id, requests);
    }

    /** Runs the deployment's steps while this instance holds its lease and the steps need no result to go on. */
    private void driveOnce(String id, DeploymentRun leased) {
        DeploymentRun run = leased != null ? leased : lease(id);
        if (run == null) {
            return;
        }
        held.put(id, run);
        long token = run.fencingToken();
        // On the orchestrator's own threads, off any route: every line of the steps (and of the deployers they
        // call) carries the deployment's ids as the workers' lines do.
        try (DeploymentMdc mdc = DeploymentMdc.of(run)) {
            while (run != null && !run.phase().terminal() && step(run, token)) {
                run = owned(id, token);
            }
            changeOwned(id, token, this::released);
        } catch (RuntimeException e) {
            // The lease runs out and a sweep takes the deployment again from what was persisted.
            try (DeploymentMdc mdc = DeploymentMdc.of(run == null ? id : run.correlationId(), id)) {
                LOG.warn("Deployment {}: step failed, retried after the lease ({}): {}", id, settings.lease(), e.toString());
            }
        } finally {
            held.remove(id);
        }
    }

    /** The stored run while this instance's lease (by its fencing token) holds it; null once taken or ended. */
    private DeploymentRun owned(String id, long token) {
        DeploymentRun run = runs.find(id).filter(r -> !r.phase().terminal() && r.fencingToken() == token
                && instance.equals(r.leaseOwner())).orElse(null);
        if (run != null) {
            held.put(id, run);
        }
        return run;
    }

    /**
     * One step of a run this instance holds. Returns whether another step follows at once (false: the deployment
     * waits for a result or a deadline, or ended).
     */
    private boolean step(DeploymentRun run, long token) {
        Instant now = clock.instant();
        RunProgress progress = RunProgress.of(run.progress());
        if (run.cancelRequested() && run.phase() != RunPhase.ROLLING_BACK) {
            boolean deployed = progress.stages.stream().anyMatch(s -> !s.deploys.isEmpty());
            return deployed ? rollBack(run.id(), token, "cancelled") : end(run, token, RunPhase.CANCELLED, "cancelled");
        }
        switch (run.phase()) {
            case PENDING -> {
                // Waiting before announcing: a result that comes at once finds the deployment waiting for it.
                return moveTo(run.id(), token, RunPhase.VALIDATING, 0, now.plus(settings.validationTimeout()));
            }
            case VALIDATING -> {
                publishOnce(run, token, "started", EventTypes.DEPLOYMENT_STARTED, e -> e.setDeploymentStarted(
                        DeploymentStartedEvent.newBuilder().setVersion(run.version()).setEnvironment(run.environment())
                                .setStrategy(run.strategy()).addAllServices(services(run)).setActor(run.actor())));
                if (progress.validation == null) {
                    return now.isAfter(run.deadlineAt())
                            && end(run, token, RunPhase.FAILED, "no validation:completed within " + settings.validationTimeout());
                }
                if (progress.validation.equals(ValidationResult.VALIDATION_RESULT_FAILED.name())) {
                    return end(run, token, RunPhase.FAILED, "validation failed"
                            + (progress.failedChecks.isEmpty() ? "" : ": " + String.join(", ", progress.failedChecks)));
                }
                return moveTo(run.id(), token, RunPhase.DEPLOYING, 0, now.plus(settings.deployTimeout()));
            }
            case DEPLOYING -> {
                return deployStage(run, token);
            }
            case GATING -> {
                return gate(run, token);
            }
            case ROLLING_BACK -> {
                return rollBackStages(run, token);
            }
            default -> {
                return false;
            }
        }
    }

    private boolean deployStage(DeploymentRun run, long token) {
        Stage stage = plan(run.services()).get(run.stageIndex());
        StageProgress done = RunProgress.of(run.progress()).stage(run.stageIndex(), stage.name());
        if (done.startedAt == 0) {
            done.startedAt = clock.millis();
            saveStage(run.id(), token, run.stageIndex(), done);
        }
        publishOnce(run, token, "stage:" + stage.name() + ":started", EventTypes.stageStarted(stage.name()),
                e -> e.setStageStarted(DeploymentStageStartedEvent.newBuilder().setStage(stage.name())
                        .setVersion(run.version()).addAllServices(stage.services())));
        Deployer deployer = deployers.get(stage.deployer());
        for (String service : stage.services()) {
            if (!done.states.containsKey(service)) {
                try {
                    done.deploys.put(service, call(() -> deployer.deploy(release(run, stage, service))));
                    done.states.put(service, Phase.RUNNING.name());
                } catch (DeployerFailure e) {
                    done.states.put(service, Phase.FAILED.name());
                    done.error = service + ": " + e.getMessage();
                }
                // Persisted before anything waits on it: after a crash its status is asked, it is not deployed again.
                saveStage(run.id(), token, run.stageIndex(), done);
            }
        }
        while (done.error == null && done.states.containsValue(Phase.RUNNING.name())) {
            for (String service : stage.services()) {
                if (Phase.RUNNING.name().equals(done.states.get(service))) {
                    DeployState state = status(deployer, done.deploys.get(service));
                    done.states.put(service, state.phase().name());
                    if (state.phase() == Phase.FAILED) {
                        done.error = service + ": " + state.detail();
                    }
                }
            }
            DeploymentRun held = renew(run.id(), token, run.stageIndex(), done);
            if (held == null) {
                return false;
            }
            if (held.cancelRequested()) {
                return true;
            }
            if (done.error == null && done.states.containsValue(Phase.RUNNING.name())) {
                if (clock.instant().isAfter(run.deadlineAt())) {
                    done.error = "stage " + stage.name() + " did not finish deploying within " + settings.deployTimeout();
                } else {
                    pause(settings.pollInterval());
                }
            }
        }
        done.finishedAt = clock.millis();
        boolean failed = done.error != null;
        if (failed) {
            saveStage(run.id(), token, run.stageIndex(), done);
        } else if (!moveTo(run.id(), token, RunPhase.GATING, run.stageIndex(), clock.instant().plus(settings.gateTimeout()),
                done)) {
            return false;
        }
        publishStageCompleted(run, token, stage, done);
        return failed ? rollBack(run.id(), token, "stage " + stage.name() + " failed: " + done.error) : false;
    }

    /** The stage's end, with what each service's deployer triggered; once, also when resumed after a crash. */
    private void publishStageCompleted(DeploymentRun run, long token, Stage stage, StageProgress done) {
        boolean failed = done.error != null;
        Map<String, String> deployments = new java.util.TreeMap<>();
        done.deploys.forEach((service, handle) -> deployments.put(service, handle.id()));
        boolean published = publishOnce(run, token, "stage:" + stage.name() + ":completed", EventTypes.stageCompleted(stage.name()),
                e -> e.setStageCompleted(DeploymentStageCompletedEvent.newBuilder().setStage(stage.name())
                        .setStatus(failed ? DeploymentStatus.DEPLOYMENT_STATUS_FAILURE : DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS)
                        .setDurationMs(done.finishedAt - done.startedAt).setErrorMessage(failed ? done.error : "")
                        .addAllServices(stage.services()).setVersion(run.version()).setEnvironment(run.environment())
                        .putAllDeployments(deployments)));
        MeterRegistry registry = meters;
        if (published && registry != null) {
            stageDuration(registry, stage.name(), failed).record(done.finishedAt - done.startedAt, TimeUnit.MILLISECONDS);
        }
    }

    /** A stage's gates: its health result, and its dependency result when the stage checks dependencies. */
    private boolean gate(DeploymentRun run, long token) {
        List<Stage> plan = plan(run.services());
        Stage stage = plan.get(run.stageIndex());
        StageProgress done = RunProgress.of(run.progress()).stages.get(run.stageIndex());
        // Resumed after a crash between persisting the gate and announcing the stage: announce it now.
        publishStageCompleted(run, token, stage, done);
        Instant now = clock.instant();
        if (done.health == null || stage.checkDependencies() && done.dependency == null) {
            return now.isAfter(run.deadlineAt()) && rollBack(run.id(), token, "stage " + stage.name() + ": no "
                    + (done.health == null ? "health" : "dependency") + " result within " + settings.gateTimeout());
        }
        if (HealthStatus.HEALTH_STATUS_UNHEALTHY.name().equals(done.health)) {
            return rollBack(run.id(), token, "stage " + stage.name() + " unhealthy" + (done.error == null ? "" : ": " + done.error));
        }
        if (DependencyCheckResult.DEPENDENCY_CHECK_RESULT_ALL_UNHEALTHY.name().equals(done.dependency)) {
            return rollBack(run.id(), token, "stage " + stage.name() + ": dependencies unhealthy");
        }
        if (HealthStatus.HEALTH_STATUS_INCONCLUSIVE.name().equals(done.health)) {
            if (settings.rollsBackInconclusive(run.environment())) {
                return rollBack(run.id(), token, "stage " + stage.name() + ": health inconclusive (no traffic)");
            }
            done.warning = "health inconclusive (no traffic)";
            saveStage(run.id(), token, run.stageIndex(), done);
        }
        if (run.stageIndex() + 1 < plan.size()) {
            return moveTo(run.id(), token, RunPhase.DEPLOYING, run.stageIndex() + 1, now.plus(settings.deployTimeout()));
        }
        return end(owned(run.id(), token), token, RunPhase.COMPLETED, null);
    }

    private boolean rollBack(String id, long token, String reason) {
        LOG.warn("Deployment {}: rolling back ({})", id, reason);
        return changeOwned(id, token, r -> {
            RunProgress progress = RunProgress.of(r.progress());
            progress.rollbackReason = reason;
            progress.rollbackStartedAt = clock.millis();
            Instant now = clock.instant();
            return r.withProgress(progress.json()).withError(reason)
                    .moved(RunPhase.ROLLING_BACK, r.stageIndex(), now.plus(settings.deployTimeout()), now);
        });
    }

    /** Rolls the deployed stages back, the last first, each service to what ran before it. */
    private boolean rollBackStages(DeploymentRun run, long token) {
        List<Stage> plan = plan(run.services());
        RunProgress progress = RunProgress.of(run.progress());
        List<String> stages = new ArrayList<>();
        for (int i = progress.stages.size() - 1; i >= 0; i--) {
            if (!progress.stages.get(i).deploys.isEmpty()) {
                stages.add(progress.stages.get(i).name);
            }
        }
        publishOnce(run, token, "rollback:initiated", EventTypes.ROLLBACK_INITIATED, e -> e.setRollbackInitiated(
                RollbackInitiatedEvent.newBuilder().setReason(progress.rollbackReason).addAllStagesToRollback(stages)
                        .setFailedVersion(run.version()).setEnvironment(run.environment())));
        List<String> rolledBack = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        for (int i = progress.stages.size() - 1; i >= 0; i--) {
            StageProgress done = progress.stages.get(i);
            Deployer deployer = deployers.get(plan.get(i).deployer());
            for (Map.Entry<String, DeployHandle> deploy : done.deploys.entrySet()) {
                String service = deploy.getKey();
                if (!done.rollbackStates.containsKey(service)) {
                    try {
                        DeployHandle rollback = call(() -> deployer.rollback(deploy.getValue()));
                        done.rollbackStates.put(service, rollback == null ? "NOTHING_TO_RESTORE" : Phase.RUNNING.name());
                        if (rollback != null) {
                            done.rollbacks.put(service, rollback);
                        }
                    } catch (DeployerFailure e) {
                        done.rollbackStates.put(service, Phase.FAILED.name());
                        done.error = service + ": " + e.getMessage();
                    }
                    saveStage(run.id(), token, i, done);
                }
                while (Phase.RUNNING.name().equals(done.rollbackStates.get(service))) {
                    DeployState state = status(deployer, done.rollbacks.get(service));
                    if (state.phase() == Phase.RUNNING && clock.instant().isAfter(run.deadlineAt())) {
                        state = DeployState.failed("rollback did not finish within " + settings.deployTimeout());
                    }
                    done.rollbackStates.put(service, state.phase().name());
                    if (renew(run.id(), token, i, done) == null) {
                        return false;
                    }
                    if (state.phase() == Phase.RUNNING) {
                        pause(settings.pollInterval());
                    }
                }
                if (Phase.FAILED.name().equals(done.rollbackStates.get(service))) {
                    failures.add(service);
                } else {
                    rolledBack.add(service);
                }
            }
        }
        String error = failures.isEmpty() ? null : "rollback of " + failures + " failed";
        publishOnce(run, token, "rollback:completed", EventTypes.ROLLBACK_COMPLETED, e -> e.setRollbackCompleted(
                RollbackCompletedEvent.newBuilder().setStatus(error == null ? DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS
                                : DeploymentStatus.DEPLOYMENT_STATUS_FAILURE)
                        .setDurationMs(clock.millis() - progress.rollbackStartedAt).addAllRolledBackServices(rolledBack)
                        .setErrorMessage(error == null ? "" : error).setEnvironment(run.environment())));
        DeploymentRun current = owned(run.id(), token);
        return current != null && end(current, token, current.cancelRequested() ? RunPhase.CANCELLED
                : error == null ? RunPhase.ROLLED_BACK : RunPhase.FAILED,
                error == null ? progress.rollbackReason : progress.rollbackReason + "; " + error);
    }

    /** Publishes the deployment's last event and ends it, releasing its environment. */
    private boolean end(DeploymentRun run, long token, RunPhase phase, String reason) {
        if (run == null) {
            return false;
        }
        RunProgress progress = RunProgress.of(run.progress());
        long total = clock.millis() - run.startedAt().toEpochMilli();
        if (phase == RunPhase.COMPLETED) {
            List<StageResult> results = progress.stages.stream().map(s -> StageResult.newBuilder().setStage(s.name)
                    .setStatus(DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS).setDurationMs(s.finishedAt - s.startedAt)
                    .setErrorMessage(s.warning == null ? "" : s.warning).addAllServices(s.deploys.keySet())
                    .putAllArtifacts(artifacts(s)).build()).toList();
            publishOnce(run, token, "completed", EventTypes.DEPLOYMENT_COMPLETED, e -> e.setDeploymentCompleted(
                    DeploymentCompletedEvent.newBuilder().setStatus(DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS)
                            .setTotalDurationMs(total).addAllStageResults(results).setVersion(run.version())
                            .setEnvironment(run.environment())));
        } else {
            DeploymentStatus status = switch (phase) {
                case CANCELLED -> DeploymentStatus.DEPLOYMENT_STATUS_CANCELLED;
                case ROLLED_BACK -> DeploymentStatus.DEPLOYMENT_STATUS_ROLLED_BACK;
                default -> DeploymentStatus.DEPLOYMENT_STATUS_FAILURE;
            };
            String failedStage = progress.stages.isEmpty() ? "" : progress.stages.get(progress.stages.size() - 1).name;
            publishOnce(run, token, "failed", EventTypes.DEPLOYMENT_FAILED, e -> e.setDeploymentFailed(
                    DeploymentFailedEvent.newBuilder().setReason(reason).setStatus(status).setFailedStage(failedStage)
                            .setVersion(run.version()).setEnvironment(run.environment())));
        }
        LOG.info("Deployment {} of {} to {}: {} after {} ms{}", run.id(), run.version(), run.environment(), phase, total,
                reason == null ? "" : " (" + reason + ")");
        changeOwned(run.id(), token, r -> r.withError(reason).moved(phase, r.stageIndex(), null, clock.instant()));
        return false;
    }

    private static Map<String, String> artifacts(StageProgress stage) {
        Map<String, String> artifacts = new HashMap<>();
        stage.deploys.forEach((service, handle) -> artifacts.put(service, handle.id()));
        return artifacts;
    }

    /**
     * Publishes an event of this deployment once: its id is derived from the deployment and the step, so a publish
     * repeated after a crash (before it was marked) carries the same id and consumers drop it.
     */
    private boolean publishOnce(DeploymentRun run, long token, String key, String type,
                                UnaryOperator<DeploymentEvent.Builder> payload) {
        // The run as this lease read it: only the lease holder publishes, so what it has published is up to date.
        if (run.fencingToken() != token || !instance.equals(run.leaseOwner())
                || RunProgress.of(run.progress()).published.contains(key)) {
            return false;
        }
        String eventId = UUID.nameUUIDFromBytes((run.id() + "/" + key).getBytes(StandardCharsets.UTF_8)).toString();
        publisher.publish(payload.apply(DeploymentEvent.newBuilder().setType(type).setEventId(eventId)
                .setDeploymentId(run.id()).setCorrelationId(run.correlationId())));
        Long opened = gateOpenedAt.remove(run.id());
        MeterRegistry registry = meters;
        if (opened != null && registry != null) {
            gateLatency(registry).record(Math.max(0, clock.millis() - opened), TimeUnit.MILLISECONDS);
        }
        changeOwned(run.id(), token, r -> {
            RunProgress progress = RunProgress.of(r.progress());
            progress.published.add(key);
            return r.withProgress(progress.json());
        });
        return true;
    }

    private List<String> services(DeploymentRun run) {
        return run.services().isEmpty() ? plan(List.of()).stream().flatMap(s -> s.services().stream()).toList()
                : run.services();
    }

    private ServiceRelease release(DeploymentRun run, Stage stage, String service) {
        return new ServiceRelease(run.id(), stage.name(), service, run.version(), run.environment(),
                deploySettings.forService(service));
    }

    /** Each service's deployer settings: its stage's, overridden by its own (what a deploy and its status use). */
    public static ServiceSettings settingsOf(Manifest manifest) {
        Map<String, Map<String, String>> byService = new HashMap<>();
        for (Manifest.Stage stage : manifest.stages()) {
            for (String service : stage.services()) {
                Map<String, String> merged = new HashMap<>(stage.settings());
                manifest.service(service).ifPresent(s -> merged.putAll(s.deploy()));
                byService.put(service, merged);
            }
        }
        return ServiceSettings.of(byService);
    }

    /** Takes the lease of a deployment no live instance is running; null when it ended or another holds it. */
    private DeploymentRun lease(String id) {
        Instant now = clock.instant();
        return change(id, run -> run.leaseUntil() == null || run.leaseUntil().isBefore(now) || instance.equals(run.leaseOwner())
                ? leased(run, run.fencingToken() + 1) : null).orElse(null);
    }

    private DeploymentRun leased(DeploymentRun run, long token) {
        return new DeploymentRun(run.id(), run.correlationId(), run.version(), run.environment(), run.strategy(),
                run.services(), run.actor(), run.phase(), run.stageIndex(), run.deadlineAt(), run.cancelRequested(),
                run.progress(), run.error(), run.startedAt(), clock.instant(), run.finishedAt(), instance,
                clock.instant().plus(settings.lease()), token, run.revision());
    }

    private DeploymentRun released(DeploymentRun run) {
        return new DeploymentRun(run.id(), run.correlationId(), run.version(), run.environment(), run.strategy(),
                run.services(), run.actor(), run.phase(), run.stageIndex(), run.deadlineAt(), run.cancelRequested(),
                run.progress(), run.error(), run.startedAt(), clock.instant(), run.finishedAt(), null, null,
                run.fencingToken(), run.revision());
    }

    /** Stores a stage's progress and extends the lease; null when the lease was lost. */
    private DeploymentRun renew(String id, long token, int index, StageProgress stage) {
        return changeOwnedRun(id, token, r -> {
            RunProgress progress = RunProgress.of(r.progress());
            progress.put(index, stage);
            return leased(r.withProgress(progress.json()), token);
        });
    }

    private void saveStage(String id, long token, int index, StageProgress stage) {
        if (renew(id, token, index, stage) == null) {
            throw new LeaseLost(id);
        }
    }

    private boolean moveTo(String id, long token, RunPhase phase, int stage, Instant deadline) {
        return changeOwned(id, token, r -> r.moved(phase, stage, deadline, clock.instant()));
    }

    private boolean moveTo(String id, long token, RunPhase phase, int stage, Instant deadline, StageProgress progress) {
        return changeOwned(id, token, r -> {
            RunProgress stored = RunProgress.of(r.progress());
            stored.put(r.stageIndex(), progress);
            return r.withProgress(stored.json()).moved(phase, stage, deadline, clock.instant());
        });
    }

    /** A change of a run this instance holds; false when its lease was lost (another instance goes on). */
    private boolean changeOwned(String id, long token, UnaryOperator<DeploymentRun> change) {
        return changeOwnedRun(id, token, change) != null;
    }

    private DeploymentRun changeOwnedRun(String id, long token, UnaryOperator<DeploymentRun> change) {
        UnaryOperator<DeploymentRun> owned = r -> r.fencingToken() == token && instance.equals(r.leaseOwner())
                ? change.apply(r) : null;
        DeploymentRun known = held.get(id);
        DeploymentRun next = known == null ? null : owned.apply(known);
        Optional<DeploymentRun> written = next == null ? Optional.empty() : runs.update(known, next);
        if (written.isEmpty()) {
            written = change(id, owned);
        }
        written.filter(r -> !r.phase().terminal()).ifPresentOrElse(r -> held.put(id, r), () -> held.remove(id));
        return written.orElse(null);
    }

    /** Applies a change to the stored run until it is written or the change no longer applies (null). */
    private Optional<DeploymentRun> change(String id, UnaryOperator<DeploymentRun> change) {
        for (int attempt = 0; attempt < 10; attempt++) {
            DeploymentRun run = runs.find(id).filter(r -> !r.phase().terminal()).orElse(null);
            DeploymentRun next = run == null ? null : change.apply(run);
            if (next == null) {
                return Optional.empty();
            }
            Optional<DeploymentRun> written = runs.update(run, next);
            if (written.isPresent()) {
                return written;
            }
        }
        throw new IllegalStateException("deployment " + id + " changed 10 times while a result was recorded");
    }

    private interface DeployerCall<T> {
        T call() throws DeployerException;
    }

    /** A deployer call, asked again after a retryable failure (as long as the step's deadline allows). */
    private <T> T call(DeployerCall<T> call) {
        for (int attempt = 1; ; attempt++) {
            try {
                return call.call();
            } catch (DeployerException e) {
                if (!e.retryable() || attempt >= settings.deployerAttempts()) {
                    throw new DeployerFailure(e.getMessage());
                }
                pause(e.retryAfter().orElse(settings.pollInterval().multipliedBy(attempt)));
            }
        }
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted (Printery is stopping)", e);
        }
    }

    /** A status that cannot be had is no verdict: the deploy may be going well. It is asked again next time. */
    private DeployState status(Deployer deployer, DeployHandle handle) {
        try {
            return call(() -> deployer.status(handle));
        } catch (DeployerFailure e) {
            return DeployState.running("status unknown: " + e.getMessage());
        }
    }

    /** A deployer call that failed for good, or kept failing. */
    static final class DeployerFailure extends RuntimeException {
        DeployerFailure(String message) {
            super(message);
        }
    }

    /** Another instance took the deployment over: this one stops where it is. */
    static final class LeaseLost extends RuntimeException {
        LeaseLost(String id) {
            super("lease of deployment " + id + " taken over");
        }
    }
}
