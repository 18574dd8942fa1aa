package routes.deploy.deployers;

/**
 * How a deploy or rollback goes, in the orchestrator's three words; the provider's own words stay in the detail.
 *
 * @param detail the provider's state and, on failure, its error (for the deployment record and notifications)
 */
public record DeployState(Phase phase, String detail) {

    public enum Phase { RUNNING, SUCCEEDED, FAILED }

    public static DeployState running(String detail) {
        return new DeployState(Phase.RUNNING, detail);
    }

    public static DeployState succeeded(String detail) {
        return new DeployState(Phase.SUCCEEDED, detail);
    }

    public static DeployState failed(String detail) {
        return new DeployState(Phase.FAILED, detail);
    }
}
