package routes.deploy;

import java.time.Duration;
import java.util.Set;

/**
 * The orchestrator's deadlines and pace (printery.deploy.* in application.properties).
 *
 * @param validationTimeout     how long a deployment waits for its validation result
 * @param deployTimeout         how long a stage's deploy (or the rollback) may take
 * @param gateTimeout           how long a stage waits for its health and dependency results
 * @param pollInterval          between two status questions to a deployer
 * @param lease                 how long an instance holds a running step without renewing it; a dead instance's
 *                              deployments are taken over after this
 * @param deployerAttempts      calls of a deployer that fails retryably before the step gives up
 * @param rollBackInconclusive  environments where an inconclusive health result (no traffic) rolls back; elsewhere
 *                              the stage goes on with a warning
 */
public record OrchestratorSettings(Duration validationTimeout, Duration deployTimeout, Duration gateTimeout,
                                   Duration pollInterval, Duration lease, int deployerAttempts,
                                   Set<String> rollBackInconclusive) {

    public OrchestratorSettings {
        rollBackInconclusive = Set.copyOf(rollBackInconclusive);
    }

    boolean rollsBackInconclusive(String environment) {
        return rollBackInconclusive.contains(environment);
    }
}
