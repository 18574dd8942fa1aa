package routes.deploy;

import java.util.Set;

/** Where a deployment is: waiting for validation, deploying or gating a stage, rolling back, or ended. */
public enum RunPhase {
    PENDING, VALIDATING, DEPLOYING, GATING, ROLLING_BACK, COMPLETED, FAILED, ROLLED_BACK, CANCELLED;

    private static final Set<RunPhase> TERMINAL = Set.of(COMPLETED, FAILED, ROLLED_BACK, CANCELLED);

    /** Ended: no event moves it again. */
    public boolean terminal() {
        return TERMINAL.contains(this);
    }
}
