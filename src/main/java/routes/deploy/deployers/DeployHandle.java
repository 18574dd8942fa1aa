package routes.deploy.deployers;

/**
 * What a deployer triggered, small enough for the orchestrator to persist and hand back after a restart.
 *
 * @param id         the provider's id of the deploy or rollback, what {@link Deployer#status} asks about
 * @param previousId what ran before (the rollback target), null when nothing did; a rollback's handle has none, as
 *                   rolling a rollback back would restore the release that failed
 */
public record DeployHandle(String service, String id, String previousId) {
}
