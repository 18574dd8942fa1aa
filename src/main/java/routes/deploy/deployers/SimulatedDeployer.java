package routes.deploy.deployers;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A deployer with no provider behind it, for the demo and tests: a deploy or rollback stays RUNNING for its
 * service's duration, then succeeds or fails as configured, and every call is recorded so a test can assert that
 * nothing was deployed twice. Configured per service by the {@link Builder}, which a release's settings override
 * (duration, failOnDeploy, failOnRollback, running: docs/deployers.md). Thread-safe; its state lives in memory, so
 * after a restart it knows no id (their status is FAILED, "unknown deployment").
 */
public final class SimulatedDeployer implements Deployer {

    static final String NAME = "Simulated";

    /** Which method a recorded call was. */
    public enum CallKind { DEPLOY, STATUS, ROLLBACK }

    /** @param id the handle's id (DEPLOY: the new one; ROLLBACK: the rollback's, null when there was nothing to restore) */
    public record Call(CallKind kind, String service, String id) {
    }

    /** How a service's deploys and rollbacks go; {@code running} is what runs before its first deploy (may be null). */
    private record Behaviour(Duration duration, boolean failOnDeploy, boolean failOnRollback, String running) {
    }

    /** One deploy or rollback; {@code restores} is what runs once it succeeds (a deploy's own id, a rollback's target). */
    private record Run(String id, String service, boolean rollback, String restores, long startedNanos, Behaviour behaviour) {

        DeployState state(long nowNanos) {
            String what = rollback ? "rollback" : "deploy";
            if (nowNanos - startedNanos < behaviour.duration().toNanos()) {
                return DeployState.running("simulated " + what + " running");
            }
            boolean fails = rollback ? behaviour.failOnRollback() : behaviour.failOnDeploy();
            return fails ? DeployState.failed("simulated " + what + " failure")
                    : DeployState.succeeded("simulated " + what + " succeeded");
        }
    }

    private final Configuration configuration;
    private final Map<String, Run> runs = new HashMap<>();
    private final Map<String, List<Run>> runsByService = new HashMap<>();
    private final List<Call> calls = new ArrayList<>();

    private SimulatedDeployer(Configuration configuration) {
        this.configuration = configuration;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public synchronized DeployHandle deploy(ServiceRelease release) throws DeployerException {
        Behaviour behaviour = behaviour(release.service(), new DeployerSettings(NAME, release.service(), release.settings()));
        String previousId = live(release.service(), behaviour);
        String id = "sim-" + release.service() + "-" + release.version() + "-" + (deployCount(release.service()) + 1);
        start(new Run(id, release.service(), false, id, System.nanoTime(), behaviour));
        calls.add(new Call(CallKind.DEPLOY, release.service(), id));
        return new DeployHandle(release.service(), id, previousId);
    }

    @Override
    public synchronized DeployState status(DeployHandle handle) {
        calls.add(new Call(CallKind.STATUS, handle.service(), handle.id()));
        Run run = runs.get(handle.id());
        return run == null ? DeployState.failed("unknown deployment " + handle.id()) : run.state(System.nanoTime());
    }

    @Override
    public synchronized DeployHandle rollback(DeployHandle handle) {
        if (handle.previousId() == null) {
            calls.add(new Call(CallKind.ROLLBACK, handle.service(), null));
            return null;
        }
        Run deployed = runs.get(handle.id());
        Behaviour behaviour = deployed != null ? deployed.behaviour() : configuration.behaviour(handle.service());
        String id = "sim-" + handle.service() + "-rollback-" + (rollbackCount(handle.service()) + 1);
        start(new Run(id, handle.service(), true, handle.previousId(), System.nanoTime(), behaviour));
        calls.add(new Call(CallKind.ROLLBACK, handle.service(), id));
        return new DeployHandle(handle.service(), id, null);
    }

    /** How many deploys of {@code service} were triggered. */
    public synchronized int deployCount(String service) {
        return count(CallKind.DEPLOY, service);
    }

    /** How many rollbacks of {@code service} were started (calls with nothing to restore start none). */
    public synchronized int rollbackCount(String service) {
        return count(CallKind.ROLLBACK, service);
    }

    /** How many times the status of one of {@code service}'s handles was asked. */
    public synchronized int statusCount(String service) {
        return count(CallKind.STATUS, service);
    }

    /** Every call so far, in order. */
    public synchronized List<Call> calls() {
        return List.copyOf(calls);
    }

    private int count(CallKind kind, String service) {
        return (int) calls.stream().filter(c -> c.kind() == kind && c.service().equals(service) && c.id() != null).count();
    }

    private void start(Run run) {
        runs.put(run.id(), run);
        runsByService.computeIfAbsent(run.service(), s -> new ArrayList<>()).add(run);
    }

    /** What the service runs now: what its newest succeeded deploy or rollback put in place, else its initial one. */
    private String live(String service, Behaviour behaviour) {
        List<Run> history = runsByService.getOrDefault(service, List.of());
        long now = System.nanoTime();
        for (int i = history.size() - 1; i >= 0; i--) {
            if (history.get(i).state(now).phase() == DeployState.Phase.SUCCEEDED) {
                return history.get(i).restores();
            }
        }
        return behaviour.running();
    }

    private Behaviour behaviour(String service, DeployerSettings settings) throws DeployerException {
        Behaviour configured = configuration.behaviour(service);
        return new Behaviour(
                settings.duration("duration", configured.duration()),
                settings.flag("failOnDeploy", configured.failOnDeploy()),
                settings.flag("failOnRollback", configured.failOnRollback()),
                settings.get("running", configured.running()));
    }

    /** Per-service behaviour; a service not named here gets the default duration and succeeds. */
    public static final class Builder {

        private Duration defaultDuration = Duration.ofSeconds(2);
        private final Map<String, Duration> durations = new HashMap<>();
        private final Set<String> failOnDeploy = new HashSet<>();
        private final Set<String> failOnRollback = new HashSet<>();
        private final Map<String, String> running = new HashMap<>();

        private Builder() {
        }

        /** How long a deploy or rollback of a service not given its own duration stays RUNNING (2 s unless set). */
        public Builder defaultDuration(Duration duration) {
            this.defaultDuration = duration;
            return this;
        }

        public Builder duration(String service, Duration duration) {
            durations.put(service, duration);
            return this;
        }

        /** The service's deploys end FAILED. */
        public Builder failOnDeploy(String service) {
            failOnDeploy.add(service);
            return this;
        }

        /** The service's rollbacks end FAILED. */
        public Builder failOnRollback(String service) {
            failOnRollback.add(service);
            return this;
        }

        /** What the service runs before its first deploy: the previousId of that deploy, so it can be rolled back. */
        public Builder running(String service, String deploymentId) {
            running.put(service, deploymentId);
            return this;
        }

        public SimulatedDeployer build() {
            return new SimulatedDeployer(new Configuration(defaultDuration, Map.copyOf(durations),
                    Set.copyOf(failOnDeploy), Set.copyOf(failOnRollback), Map.copyOf(running)));
        }
    }

    /** What the builder was given, fixed when the deployer is built. */
    private record Configuration(Duration defaultDuration, Map<String, Duration> durations, Set<String> failOnDeploy,
                                 Set<String> failOnRollback, Map<String, String> running) {

        Behaviour behaviour(String service) {
            return new Behaviour(durations.getOrDefault(service, defaultDuration), failOnDeploy.contains(service),
                    failOnRollback.contains(service), running.get(service));
        }
    }
}
