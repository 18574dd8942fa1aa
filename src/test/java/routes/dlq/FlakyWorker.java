package routes.dlq;

import java.net.ConnectException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import routes.events.InvalidEventException;
import routes.events.proto.DeploymentEvent;

/**
 * The worker bean of dlq-test-routes.yaml: fails deployments the test names (with a transient exception, or as invalid
 * input), records the others.
 */
public final class FlakyWorker {

    final Set<String> failing = ConcurrentHashMap.newKeySet();
    final Set<String> invalid = ConcurrentHashMap.newKeySet();
    final Map<String, Integer> attempts = new ConcurrentHashMap<>();
    final List<String> processed = Collections.synchronizedList(new ArrayList<>());

    public void process(DeploymentEvent event) throws ConnectException {
        attempts.merge(event.getDeploymentId(), 1, Integer::sum);
        if (invalid.contains(event.getDeploymentId())) {
            // As the validator does with a deployment:started that names no version: after decoding.
            throw new InvalidEventException("deployment " + event.getDeploymentId() + " is invalid");
        }
        if (failing.contains(event.getDeploymentId())) {
            throw new ConnectException("Connection refused: registry for " + event.getDeploymentId());
        }
        processed.add(event.getDeploymentId());
    }
}
