package routes.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;

import routes.events.proto.DependencyCheckCompletedEvent;
import routes.events.proto.DependencyCheckResult;
import routes.events.proto.DependencyCheckStartedEvent;
import routes.events.proto.DependencyStatus;
import routes.events.proto.DeploymentCompletedEvent;
import routes.events.proto.DeploymentEvent;
import routes.events.proto.DeploymentFailedEvent;
import routes.events.proto.DeploymentStageCompletedEvent;
import routes.events.proto.DeploymentStageStartedEvent;
import routes.events.proto.DeploymentStartedEvent;
import routes.events.proto.DeploymentStatus;
import routes.events.proto.HealthCheckCompletedEvent;
import routes.events.proto.HealthCheckStartedEvent;
import routes.events.proto.HealthStatus;
import routes.events.proto.RollbackCompletedEvent;
import routes.events.proto.RollbackInitiatedEvent;
import routes.events.proto.ServiceHealthStatus;
import routes.events.proto.StageResult;
import routes.events.proto.ValidationCheckResult;
import routes.events.proto.ValidationCompletedEvent;
import routes.events.proto.ValidationResult;
import routes.events.proto.ValidationStartedEvent;

/**
 * Realistic deployments for {@code bench --record}: the events the orchestrator and the workers publish for the
 * seed's system (3 stages, 8 services; validation with a check per service and kind, health per service,
 * dependencies on railway), in the mix a busy team has: 80% succeed (18 events), 8% fail a stage and roll back (12),
 * 5% fail validation (4), 3% are cancelled (7), 4% succeed with a degraded stage (18); the newest three still run.
 * Deterministic for a seed, so every database gets the same record.
 */
final class BenchDeployments {

    /** One event and the stream it was read from. */
    record Event(DeploymentEvent event, String stream) {
    }

    /** A deployment: its id and events, in the order they happened. */
    record Deployment(String id, String version, String environment, String actor, String status, List<Event> events) {
    }

    static final List<String> ENVIRONMENTS;
    static final List<String> STATUSES = List.of("SUCCESS", "ROLLED_BACK", "FAILURE", "CANCELLED", "RUNNING");
    static final List<String> ACTORS = List.of("ana@materi.dev", "ben@materi.dev", "chloe@materi.dev", "dev@materi.dev",
            "eli@materi.dev", "fay@materi.dev", "gus@materi.dev", "hana@materi.dev", "ci@materi.dev", "release-bot");

    private static final String[][] STAGES = {
        {"vercel", "canvas", "office", "frame"},
        {"railway", "api", "shield", "relay", "printery"},
        {"folio", "folio"},
    };
    private static final List<String> SERVICES = List.of("canvas", "office", "frame", "api", "shield", "relay",
            "printery", "folio");
    private static final List<String> CHECKS = List.of("images_exist", "migrations_compatible", "environment_variables",
            "service_discovery", "api_credentials");
    private static final String[][] DEPENDENCIES = {
        {"api", "postgres", "postgres", "db.internal:5432"},
        {"api", "redis", "redis", "cache.internal:6379"},
        {"shield", "api", "http", "http://api.internal/health"},
        {"relay", "redis", "redis", "cache.internal:6379"},
        {"printery", "redis", "redis", "cache.internal:6379"},
    };

    static {
        List<String> environments = new ArrayList<>(List.of("production", "staging"));
        for (int i = 1; i <= 18; i++) {
            environments.add(String.format("preview-%02d", i));
        }
        ENVIRONMENTS = List.copyOf(environments);
    }

    /** The mean time between two deployments' starts. */
    static final long MEAN_GAP_MILLIS = 330_000;

    private final Random random;
    private final int total;
    private long at;
    private int count;

    /**
     * {@code total} deployments forward in time, one every 1 to 10 minutes, the last of them about ten minutes
     * before {@code now} (epoch ms); the newest three still run.
     */
    BenchDeployments(long seed, int total, long now) {
        this.random = new Random(seed);
        this.total = total;
        this.at = now - total * MEAN_GAP_MILLIS - 600_000;
    }

    /** The next deployment, started after the one before it. */
    Deployment next() {
        at += 60_000L + random.nextInt(540_000);
        int n = count++;
        String id = new UUID(random.nextLong(), random.nextLong()).toString();
        int e = random.nextInt(100);
        String environment = e < 30 ? "production" : e < 60 ? "staging" : ENVIRONMENTS.get(2 + random.nextInt(ENVIRONMENTS.size() - 2));
        // A release goes to about four environments one after another.
        String version = version(n / 4);
        String actor = ACTORS.get(random.nextInt(ACTORS.size()));
        Flow flow = new Flow(id, at);
        int kind = n >= total - 3 ? -1 : random.nextInt(100);
        String status;
        flow.add("deployment:started", "deployment", b -> b.setDeploymentStarted(DeploymentStartedEvent.newBuilder()
                .setVersion(version).setEnvironment(environment).setStrategy(random.nextInt(10) == 0 ? "blue-green" : "rolling")
                .addAllServices(SERVICES).setPreviousVersion(previous(n)).setActor(actor)));
        flow.add("validation:started", "validation", b -> b.setValidationStarted(ValidationStartedEvent.newBuilder()
                .addAllChecks(CHECKS).addAllServices(SERVICES).setVersion(version).setEnvironment(environment)));
        boolean validationFails = kind >= 88 && kind < 93;
        flow.step(800, 2_500);
        flow.add("validation:completed", "validation", b -> b.setValidationCompleted(validation(version, environment,
                validationFails)));
        if (kind < 0) {
            flow.step(100, 500);
            stageStarted(flow, 0, version);
            status = "RUNNING";
        } else if (validationFails) {
            flow.step(50, 200);
            flow.add("deployment:failed", "deployment", b -> b.setDeploymentFailed(DeploymentFailedEvent.newBuilder()
                    .setReason("validation failed: images_exist").setErrorDetails("image materi/api:" + version
                            + " not found in the registry").setVersion(version).setEnvironment(environment)
                    .setStatus(DeploymentStatus.DEPLOYMENT_STATUS_FAILURE)));
            status = "FAILURE";
        } else if (kind >= 93 && kind < 96) {
            flow.step(100, 500);
            stageStarted(flow, 0, version);
            flow.step(5_000, 60_000);
            flow.add("rollback:initiated", "deployment", b -> b.setRollbackInitiated(RollbackInitiatedEvent.newBuilder()
                    .setReason("cancelled by " + actor).addStagesToRollback("vercel").setFailedVersion(version)
                    .setEnvironment(environment)));
            flow.step(2_000, 20_000);
            flow.add("rollback:completed", "deployment", b -> b.setRollbackCompleted(RollbackCompletedEvent.newBuilder()
                    .setStatus(DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS).setDurationMs(9_000)
                    .addAllRolledBackServices(List.of(STAGES[0]).subList(1, STAGES[0].length)).setEnvironment(environment)));
            flow.step(50, 200);
            flow.add("deployment:failed", "deployment", b -> b.setDeploymentFailed(DeploymentFailedEvent.newBuilder()
                    .setReason("cancelled by " + actor).setVersion(version).setEnvironment(environment)
                    .setStatus(DeploymentStatus.DEPLOYMENT_STATUS_CANCELLED)));
            status = "CANCELLED";
        } else {
            boolean rollsBack = kind >= 80 && kind < 88;
            boolean degraded = kind >= 96;
            for (int s = 0; s < STAGES.length; s++) {
                flow.step(100, 500);
                stageStarted(flow, s, version);
                boolean fails = rollsBack && s == 1;
                flow.step(20_000, 120_000);
                stageCompleted(flow, s, version, environment, fails);
                if (fails) {
                    flow.step(100, 500);
                    flow.add("rollback:initiated", "deployment", b -> b.setRollbackInitiated(RollbackInitiatedEvent
                            .newBuilder().setReason("stage railway failed: api: container exited with code 137")
                            .addStagesToRollback("railway").addStagesToRollback("vercel").setFailedVersion(version)
                            .setPreviousVersion(previous(n)).setEnvironment(environment)));
                    flow.step(10_000, 60_000);
                    flow.add("rollback:completed", "deployment", b -> b.setRollbackCompleted(RollbackCompletedEvent
                            .newBuilder().setStatus(DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS).setDurationMs(31_000)
                            .setRestoredVersion(previous(n)).addAllRolledBackServices(SERVICES.subList(0, 7))
                            .setEnvironment(environment)));
                    flow.step(50, 200);
                    flow.add("deployment:failed", "deployment", b -> b.setDeploymentFailed(DeploymentFailedEvent
                            .newBuilder().setReason("stage railway failed: api: container exited with code 137")
                            .setFailedStage("railway").setVersion(version).setEnvironment(environment)
                            .setStatus(DeploymentStatus.DEPLOYMENT_STATUS_ROLLED_BACK)));
                    break;
                }
                if (s == 1) {
                    flow.add("dependency:check:started", "dependency", b -> b.setDependencyCheckStarted(
                            DependencyCheckStartedEvent.newBuilder().setStage("railway")
                                    .addAllServices(List.of(STAGES[1]).subList(1, STAGES[1].length))));
                    flow.step(200, 1_500);
                    flow.add("dependency:check:completed", "dependency", b -> b.setDependencyCheckCompleted(dependencies()));
                }
                int stage = s;
                flow.add("health:check:started", "health", b -> b.setHealthCheckStarted(HealthCheckStartedEvent.newBuilder()
                        .setStage(STAGES[stage][0]).addAllServices(services(stage)).setWindowMs(30_000)));
                flow.step(30_000, 31_000);
                flow.add("health:check:completed", "health", b -> b.setHealthCheckCompleted(health(stage,
                        degraded && stage == 2)));
            }
            if (!rollsBack) {
                long total = flow.at - at;
                flow.step(50, 200);
                flow.add("deployment:completed", "deployment", b -> b.setDeploymentCompleted(DeploymentCompletedEvent
                        .newBuilder().setStatus(DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS).setTotalDurationMs(total)
                        .setVersion(version).setEnvironment(environment).addAllStageResults(stageResults())));
                status = "SUCCESS";
            } else {
                status = "ROLLED_BACK";
            }
        }
        return new Deployment(id, version, environment, actor, status, flow.events);
    }

    private void stageStarted(Flow flow, int s, String version) {
        flow.add("deployment:stage:" + STAGES[s][0] + ":started", "deployment", b -> b.setStageStarted(
                DeploymentStageStartedEvent.newBuilder().setStage(STAGES[s][0]).setVersion(version)
                        .setDescription("deploy " + String.join(", ", services(s))).addAllServices(services(s))));
    }

    private void stageCompleted(Flow flow, int s, String version, String environment, boolean fails) {
        DeploymentStageCompletedEvent.Builder completed = DeploymentStageCompletedEvent.newBuilder().setStage(STAGES[s][0])
                .setStatus(fails ? DeploymentStatus.DEPLOYMENT_STATUS_FAILURE : DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS)
                .setDurationMs(20_000 + random.nextInt(100_000)).addAllServices(services(s)).setVersion(version)
                .setEnvironment(environment);
        for (String service : services(s)) {
            completed.putDeployments(service, (s == 0 ? "dpl_" : s == 1 ? "rw-" : "folio-")
                    + String.format("%012x", random.nextLong() & 0xffff_ffff_ffffL));
        }
        if (fails) {
            completed.setErrorMessage("api: container exited with code 137");
        }
        flow.add("deployment:stage:" + STAGES[s][0] + ":completed", "deployment", b -> b.setStageCompleted(completed));
    }

    private ValidationCompletedEvent.Builder validation(String version, String environment, boolean fails) {
        ValidationCompletedEvent.Builder v = ValidationCompletedEvent.newBuilder().setDurationMs(800 + random.nextInt(1_700))
                .setVersion(version).setEnvironment(environment)
                .setResult(fails ? ValidationResult.VALIDATION_RESULT_FAILED : ValidationResult.VALIDATION_RESULT_PASSED);
        for (String service : SERVICES) {
            boolean missing = fails && service.equals("api");
            v.addChecks(ValidationCheckResult.newBuilder().setName("images_exist").setService(service)
                    .setResult(missing ? ValidationResult.VALIDATION_RESULT_FAILED : ValidationResult.VALIDATION_RESULT_PASSED)
                    .setMessage(missing ? "materi/" + service + ":" + version + " not found" : "materi/" + service + ":" + version
                            + " found").setDurationMs(random.nextInt(300)));
        }
        for (String check : CHECKS.subList(1, CHECKS.size())) {
            v.addChecks(ValidationCheckResult.newBuilder().setName(check).setResult(ValidationResult.VALIDATION_RESULT_PASSED)
                    .setMessage("ok").setDurationMs(random.nextInt(200)));
        }
        return v;
    }

    private DependencyCheckCompletedEvent.Builder dependencies() {
        DependencyCheckCompletedEvent.Builder d = DependencyCheckCompletedEvent.newBuilder().setStage("railway")
                .setResult(DependencyCheckResult.DEPENDENCY_CHECK_RESULT_ALL_HEALTHY).setDurationMs(200 + random.nextInt(800));
        for (String[] dependency : DEPENDENCIES) {
            d.addDependencies(DependencyStatus.newBuilder().setService(dependency[0]).setDependency(dependency[1])
                    .setType(dependency[2]).setStatus(HealthStatus.HEALTH_STATUS_HEALTHY).setEndpoint(dependency[3])
                    .setResponseTimeMs(1 + random.nextInt(40)));
        }
        return d;
    }

    private HealthCheckCompletedEvent.Builder health(int s, boolean degraded) {
        HealthCheckCompletedEvent.Builder h = HealthCheckCompletedEvent.newBuilder().setStage(STAGES[s][0])
                .setOverallStatus(degraded ? HealthStatus.HEALTH_STATUS_DEGRADED : HealthStatus.HEALTH_STATUS_HEALTHY)
                .setDurationMs(30_000);
        for (String service : services(s)) {
            h.addServices(ServiceHealthStatus.newBuilder().setService(service)
                    .setStatus(degraded ? HealthStatus.HEALTH_STATUS_DEGRADED : HealthStatus.HEALTH_STATUS_HEALTHY)
                    .setHealthOk(true).setReadyOk(true).setMetricsFlowing(true).setResponseTimeMs(20 + random.nextInt(400))
                    .setErrorRate(degraded ? 0.03 : random.nextInt(5) / 1000.0).setRequestsInWindow(500 + random.nextInt(5_000))
                    .setSamples(6).setReason(degraded ? "error rate 3.0% over 1.0%" : ""));
        }
        return h;
    }

    private List<StageResult> stageResults() {
        List<StageResult> results = new ArrayList<>();
        for (int s = 0; s < STAGES.length; s++) {
            results.add(StageResult.newBuilder().setStage(STAGES[s][0]).setStatus(DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS)
                    .setDurationMs(20_000 + random.nextInt(100_000)).addAllServices(services(s)).build());
        }
        return results;
    }

    private static String previous(int n) {
        return version(Math.max(0, n / 4 - 1));
    }

    private static String version(int release) {
        return "v" + (1 + release / 2_500) + "." + (release / 50 % 50) + "." + (release % 50);
    }

    private static List<String> services(int stage) {
        return List.of(STAGES[stage]).subList(1, STAGES[stage].length);
    }

    /** A deployment's events as they are published, a moment apart. */
    private final class Flow {
        private final String id;
        private final String correlation;
        private long at;
        private final List<Event> events = new ArrayList<>();

        Flow(String id, long at) {
            this.id = id;
            this.correlation = new UUID(random.nextLong(), random.nextLong()).toString();
            this.at = at;
        }

        void step(int min, int max) {
            at += min + random.nextInt(max - min);
        }

        void add(String type, String stream, java.util.function.UnaryOperator<DeploymentEvent.Builder> payload) {
            DeploymentEvent event = payload.apply(DeploymentEvent.newBuilder()
                    .setEventId(new UUID(random.nextLong(), random.nextLong()).toString()).setType(type).setDeploymentId(id)
                    .setCorrelationId(correlation).setTimestamp(at)).build();
            // The streams' default names (printery.streams.*).
            events.add(new Event(event, stream.equals("deployment") ? "materi:events:deployment"
                    : "materi:events:deployment:" + stream));
            at += 1 + random.nextInt(20);
        }
    }
}
