package routes.deploy.deployers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A deployer with no provider behind it, for the demo and tests: a deploy or rollback stays RUNNING for its
 * service's duration, then succeeds or fails as configured, and every call is recorded so a test can assert that
 * nothing was deployed twice. Configured per service by the {@link Builder}, which a release's settings override
 * (duration, failOnDeploy, failOnRollback, running: docs/deployers.md). Thread-safe. Its state lives in memory, and
 * with a {@link Builder#journal journal} also in a file: a restarted process then answers the status of what an
 * earlier one started, and counts its calls too; without one, after a restart it knows no id (their status is
 * FAILED, "unknown deployment").
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

    /**
     * One deploy or rollback (a rollback with nothing to restore has no id); {@code restores} is what runs once it
     * succeeds (a deploy's own id, a rollback's target), {@code previousId} what ran before a deploy.
     * {@code startedNanos} is on this process's clock, also for a run started by another process (converted from
     * its wall-clock start).
     */
    private record Run(CallKind kind, String id, String service, String deployment, String restores,
                       String previousId, long startedNanos, Behaviour behaviour) {

        DeployState state(long nowNanos) {
            String what = kind == CallKind.ROLLBACK ? "rollback" : "deploy";
            if (nowNanos - startedNanos < behaviour.duration().toNanos()) {
                return DeployState.running("simulated " + what + " running");
            }
            boolean fails = kind == CallKind.ROLLBACK ? behaviour.failOnRollback() : behaviour.failOnDeploy();
            return fails ? DeployState.failed("simulated " + what + " failure")
                    : DeployState.succeeded("simulated " + what + " succeeded");
        }
    }

    private final Configuration configuration;
    private final SimulatedJournal journal;
    private final Map<String, Run> runs = new HashMap<>();
    private final Map<String, List<Run>> runsByService = new HashMap<>();
    private final List<Call> calls = new ArrayList<>();
    /** Calls with an id by kind and service: deploy ids are numbered by them, so no call scans the whole history. */
    private final Map<CallKind, Map<String, Integer>> counts = new EnumMap<>(CallKind.class);

    private SimulatedDeployer(Configuration configuration, Path journal) {
        this.configuration = configuration;
        this.journal = journal == null ? null : new SimulatedJournal(journal);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public synchronized DeployHandle deploy(ServiceRelease release) throws DeployerException {
        String service = release.service();
        Behaviour behaviour = behaviour(service, new DeployerSettings(NAME, service, release.settings()));
        Run run = start(() -> {
            String id = "sim-" + service + "-" + release.version() + "-" + (count(CallKind.DEPLOY, service) + 1);
            return new Run(CallKind.DEPLOY, id, service, release.deploymentId(), id, live(service, behaviour),
                    System.nanoTime(), behaviour);
        });
        return new DeployHandle(service, run.id(), run.previousId());
    }

    @Override
    public synchronized DeployState status(DeployHandle handle) throws DeployerException {
        record(new Call(CallKind.STATUS, handle.service(), handle.id()));
        Run run = runs.get(handle.id());
        if (run == null && journal != null) {
            // Started by an earlier process, or by another one sharing the journal.
            try {
                catchUp();
            } catch (UncheckedIOException e) {
                throw new DeployerException(NAME + ": journal " + journal.file() + " unreadable: "
                        + e.getCause().getMessage(), true);
            }
            run = runs.get(handle.id());
        }
        return run == null ? DeployState.failed("unknown deployment " + handle.id()) : run.state(System.nanoTime());
    }

    @Override
    public synchronized DeployHandle rollback(DeployHandle handle) throws DeployerException {
        String service = handle.service();
        Run run = start(() -> {
            Run deployed = runs.get(handle.id());
            String deployment = deployed == null ? null : deployed.deployment();
            if (handle.previousId() == null) {
                return new Run(CallKind.ROLLBACK, null, service, deployment, null, null, System.nanoTime(),
                        configuration.behaviour(service));
            }
            Behaviour behaviour = deployed != null ? deployed.behaviour() : configuration.behaviour(service);
            String id = "sim-" + service + "-rollback-" + (count(CallKind.ROLLBACK, service) + 1);
            return new Run(CallKind.ROLLBACK, id, service, deployment, handle.previousId(), null, System.nanoTime(),
                    behaviour);
        });
        return run.id() == null ? null : new DeployHandle(service, run.id(), null);
    }

    /** How many deploys of {@code service} were triggered (with a journal: by any process). */
    public synchronized int deployCount(String service) {
        catchUp();
        return count(CallKind.DEPLOY, service);
    }

    /** How many rollbacks of {@code service} were started (calls with nothing to restore start none). */
    public synchronized int rollbackCount(String service) {
        catchUp();
        return count(CallKind.ROLLBACK, service);
    }

    /** How many times this process asked for the status of one of {@code service}'s handles (not journaled). */
    public synchronized int statusCount(String service) {
        return count(CallKind.STATUS, service);
    }

    /** Every call so far, in order (with a journal, the deploys and rollbacks of other processes as this one saw them). */
    public synchronized List<Call> calls() {
        catchUp();
        return List.copyOf(calls);
    }

    private int count(CallKind kind, String service) {
        return counts.getOrDefault(kind, Map.of()).getOrDefault(service, 0);
    }

    private void record(Call call) {
        calls.add(call);
        if (call.id() != null) {
            counts.computeIfAbsent(call.kind(), k -> new HashMap<>()).merge(call.service(), 1, Integer::sum);
        }
    }

    /**
     * Starts a deploy or rollback: with a journal, what other processes started is taken in first (ids count them)
     * and the new one is written before it counts as started.
     */
    private Run start(Supplier<Run> next) throws DeployerException {
        if (journal == null) {
            Run run = next.get();
            remember(run);
            return run;
        }
        Run[] made = new Run[1];
        try {
            journal.append(unread -> {
                unread.forEach(this::remember);
                made[0] = next.get();
                Run run = made[0];
                return new SimulatedJournal.Entry(run.kind(), run.service(), run.id(), run.deployment(), run.restores(),
                        run.previousId(), System.currentTimeMillis(), run.behaviour().duration().toMillis(),
                        run.behaviour().failOnDeploy(), run.behaviour().failOnRollback());
            });
        } catch (IOException e) {
            throw new DeployerException(NAME + ": journal " + journal.file() + " not written: " + e.getMessage(), true);
        }
        remember(made[0]);
        return made[0];
    }

    private void catchUp() {
        if (journal != null) {
            try {
                journal.read().forEach(this::remember);
            } catch (IOException e) {
                throw new UncheckedIOException("simulated deployer journal " + journal.file() + " unreadable", e);
            }
        }
    }

    /** A run started by another process: its wall-clock start on this process's clock, so its state goes on. */
    private void remember(SimulatedJournal.Entry entry) {
        long agoNanos = TimeUnit.MILLISECONDS.toNanos(System.currentTimeMillis() - entry.startedAt());
        remember(new Run(entry.call(), entry.id(), entry.service(), entry.deployment(), entry.restores(),
                entry.previousId(), System.nanoTime() - agoNanos, new Behaviour(Duration.ofMillis(entry.durationMs()), entry.failOnDeploy(),
                entry.failOnRollback(), null)));
    }

    private void remember(Run run) {
        record(new Call(run.kind(), run.service(), run.id()));
        if (run.id() != null) {
            runs.put(run.id(), run);
            runsByService.computeIfAbsent(run.service(), s -> new ArrayList<>()).add(run);
        }
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
        private Path journal;

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

        /**
         * Keeps every deploy and rollback in this file as well (created on the first one), so that the status of
         * what an earlier process started is known after a restart. Read when first needed: a process that
         * deploys nothing never opens it.
         */
        public Builder journal(Path file) {
            this.journal = file;
            return this;
        }

        public SimulatedDeployer build() {
            return new SimulatedDeployer(new Configuration(defaultDuration, Map.copyOf(durations),
                    Set.copyOf(failOnDeploy), Set.copyOf(failOnRollback), Map.copyOf(running)), journal);
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
