package routes.deploy.deployers;

import java.util.Map;
import java.util.TreeSet;

/**
 * One service's part of a deployment, as a deployer needs it.
 *
 * @param settings the stage's and the service's deployer settings, merged (the service's win), secrets already
 *                 resolved: they hold tokens, so {@link #toString()} shows their keys only
 */
public record ServiceRelease(String deploymentId, String stage, String service, String version, String environment,
                             Map<String, String> settings) {

    public ServiceRelease {
        settings = Map.copyOf(settings);
    }

    @Override
    public String toString() {
        return "ServiceRelease[deploymentId=" + deploymentId + ", stage=" + stage + ", service=" + service
                + ", version=" + version + ", environment=" + environment + ", settings=" + new TreeSet<>(settings.keySet()) + "]";
    }
}
