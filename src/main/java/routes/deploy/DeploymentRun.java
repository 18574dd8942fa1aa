package routes.deploy;

import java.time.Instant;
import java.util.List;

/**
 * One deployment as the orchestrator persists it. Immutable: a change is a new value written by compare-and-set on
 * {@code revision} (see DeploymentRuns).
 *
 * @param stageIndex the stage being deployed or gated (0-based, in manifest order); during rollback, the stage being
 *                   rolled back
 * @param progress   the orchestrator's JSON of what it triggered and learned (deployer handles, results)
 * @param fencingToken raised each time an instance takes the lease: a step started under an older token is stale
 */
public record DeploymentRun(String id, String correlationId, String version, String environment, String strategy,
                            List<String> services, String actor, RunPhase phase, int stageIndex, Instant deadlineAt,
                            boolean cancelRequested, String progress, String error, Instant startedAt,
                            Instant updatedAt, Instant finishedAt, String leaseOwner, Instant leaseUntil,
                            long fencingToken, long revision) {

    public DeploymentRun {
        services = List.copyOf(services);
    }

    /** A new deployment, not yet started. */
    public static DeploymentRun pending(String id, String correlationId, String version, String environment,
                                        String strategy, List<String> services, String actor, Instant now) {
        return new DeploymentRun(id, correlationId, version, environment, strategy, services, actor, RunPhase.PENDING,
                0, null, false, "{}", null, now, now, null, null, null, 0, 0);
    }

    /** This run moved to a phase, at a stage, with a deadline (null: none). */
    public DeploymentRun moved(RunPhase to, int stage, Instant deadline, Instant now) {
        return new DeploymentRun(id, correlationId, version, environment, strategy, services, actor, to, stage, deadline,
                cancelRequested, progress, error, startedAt, now, to.terminal() ? now : null, leaseOwner, leaseUntil,
                fencingToken, revision);
    }

    public DeploymentRun withProgress(String json) {
        return new DeploymentRun(id, correlationId, version, environment, strategy, services, actor, phase, stageIndex,
                deadlineAt, cancelRequested, json, error, startedAt, updatedAt, finishedAt, leaseOwner, leaseUntil,
                fencingToken, revision);
    }

    public DeploymentRun withError(String text) {
        return new DeploymentRun(id, correlationId, version, environment, strategy, services, actor, phase, stageIndex,
                deadlineAt, cancelRequested, progress, text, startedAt, updatedAt, finishedAt, leaseOwner, leaseUntil,
                fencingToken, revision);
    }
}
