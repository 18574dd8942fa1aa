package routes.deploy;

import org.slf4j.MDC;

/**
 * A deployment's ids in the logging MDC (keys {@code correlationId} and {@code deploymentId}, as the workers' routes
 * set them from the entry's fields) until closed, when the values before are back. What the orchestrator logs off
 * Camel's routes (on its own threads, from a command, over HTTP) carries them this way, and so does the line
 * routes.app.EventLog writes after an entry's exchange, when its own MDC is gone.
 */
public final class DeploymentMdc implements AutoCloseable {

    public static final String CORRELATION_ID = "correlationId";
    public static final String DEPLOYMENT_ID = "deploymentId";

    private final String correlationBefore;
    private final String deploymentBefore;

    private DeploymentMdc(String correlationId, String deploymentId) {
        correlationBefore = MDC.get(CORRELATION_ID);
        deploymentBefore = MDC.get(DEPLOYMENT_ID);
        put(CORRELATION_ID, correlationId);
        put(DEPLOYMENT_ID, deploymentId);
    }

    static DeploymentMdc of(DeploymentRun run) {
        return new DeploymentMdc(run.correlationId(), run.id());
    }

    public static DeploymentMdc of(String correlationId, String deploymentId) {
        return new DeploymentMdc(correlationId, deploymentId);
    }

    @Override
    public void close() {
        put(CORRELATION_ID, correlationBefore);
        put(DEPLOYMENT_ID, deploymentBefore);
    }

    private static void put(String key, String value) {
        if (value == null) {
            MDC.remove(key);
        } else {
            MDC.put(key, value);
        }
    }
}
