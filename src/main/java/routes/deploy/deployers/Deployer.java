package routes.deploy.deployers;

/**
 * Deploys one service of a stage, tells how a deploy goes, rolls it back. Safe to ask again: a restarted
 * orchestrator asks for the status of what it triggered (the handle is persisted) instead of triggering again.
 */
public interface Deployer {

    /**
     * Triggers the deploy of one service's release and returns at once; the handle names what was triggered and
     * what ran before (the rollback target).
     */
    DeployHandle deploy(ServiceRelease release) throws DeployerException;

    /** The state of what a handle names (a deploy or a rollback). */
    DeployState status(DeployHandle handle) throws DeployerException;

    /**
     * Starts rolling back what the handle deployed to what ran before it ({@code handle.previousId()}); returns the
     * handle of the rollback, or null when nothing ran before (nothing to restore).
     */
    DeployHandle rollback(DeployHandle handle) throws DeployerException;
}
