package routes.interop;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * What the mirror needs to know beyond the event in hand, kept in Redis under {@code printery-cdevents:}: a
 * deployment's environment, version and previous version (from its lifecycle events; the workers' results carry
 * none of them), and, per environment, which services it has seen deployed successfully, to tell a first deployment
 * (service.deployed) from an upgrade (service.upgraded).
 */
public class CdEventsMemory {

    private static final String PREFIX = "printery-cdevents:";

    /** What the lifecycle events said about a deployment; empty strings for what they did not say. */
    public record Deployment(String environment, String version, String previousVersion) {
    }

    private final StringRedisTemplate redis;
    private final Duration ttl;

    public CdEventsMemory(StringRedisTemplate redis, Duration ttl) {
        this.redis = redis;
        this.ttl = ttl;
    }

    /** Records what is not empty; a deployment is forgotten printery.idempotency.ttl after its last event. */
    public void remember(String deploymentId, String environment, String version, String previousVersion) {
        Map<String, String> fields = new HashMap<>();
        put(fields, "environment", environment);
        put(fields, "version", version);
        put(fields, "previous_version", previousVersion);
        if (fields.isEmpty()) {
            return;
        }
        String key = deploymentKey(deploymentId);
        redis.opsForHash().putAll(key, fields);
        redis.expire(key, ttl);
    }

    public Deployment recall(String deploymentId) {
        Map<Object, Object> fields = redis.opsForHash().entries(deploymentKey(deploymentId));
        return new Deployment(text(fields.get("environment")), text(fields.get("version")),
                text(fields.get("previous_version")));
    }

    /**
     * Whether this deployment is the first successful one of the service to the environment that the mirror has seen.
     * The first deployment to ask claims the service (HSETNX) and keeps the answer for a redelivery of its event;
     * every other deployment is told false. Kept without expiry: it is a fact about the environment.
     */
    public boolean firstDeployment(String environment, String service, String deploymentId) {
        String key = PREFIX + "deployed:" + environment;
        if (Boolean.TRUE.equals(redis.opsForHash().putIfAbsent(key, service, deploymentId))) {
            return true;
        }
        return deploymentId.equals(redis.opsForHash().get(key, service));
    }

    private static String deploymentKey(String deploymentId) {
        return PREFIX + "deployment:" + deploymentId;
    }

    private static void put(Map<String, String> fields, String name, String value) {
        if (value != null && !value.isEmpty()) {
            fields.put(name, value);
        }
    }

    private static String text(Object value) {
        return value == null ? "" : value.toString();
    }
}
