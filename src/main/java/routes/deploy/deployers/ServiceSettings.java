package routes.deploy.deployers;

import java.util.Map;

/**
 * A service's merged deployer settings by its name. {@link Deployer#status} and {@link Deployer#rollback} get only
 * a handle (persisted by the orchestrator, so possibly from before a restart) and look the settings up again; the
 * orchestrator answers with the same maps it puts in {@link ServiceRelease#settings()}.
 */
@FunctionalInterface
public interface ServiceSettings {

    /** @return the service's settings, or null (or an empty map) when the service is not known */
    Map<String, String> forService(String service);

    static ServiceSettings of(Map<String, Map<String, String>> byService) {
        Map<String, Map<String, String>> copy = Map.copyOf(byService);
        return copy::get;
    }
}
