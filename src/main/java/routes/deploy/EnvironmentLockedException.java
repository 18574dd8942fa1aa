package routes.deploy;

/** Another deployment is running in the environment: a second one is refused at once (exit code 4). */
public final class EnvironmentLockedException extends RuntimeException {

    private final String runningDeployment;

    public EnvironmentLockedException(String environment, String runningDeployment) {
        super("environment " + environment + " is locked by running deployment " + runningDeployment);
        this.runningDeployment = runningDeployment;
    }

    public String runningDeployment() {
        return runningDeployment;
    }
}
