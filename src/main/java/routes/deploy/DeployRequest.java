package routes.deploy;

import java.util.List;

/**
 * A deployment asked for (printery deploy, POST /api/deployments).
 *
 * @param id       the deployment's id, also its correlation id on every event
 * @param services the services to deploy; empty: every service of the manifest
 * @param actor    who asked (user@host by default)
 */
public record DeployRequest(String id, String version, String environment, String strategy, List<String> services,
                            String actor) {

    public DeployRequest {
        services = List.copyOf(services);
    }
}
