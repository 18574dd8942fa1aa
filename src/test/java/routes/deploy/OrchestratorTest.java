package routes.deploy;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import com.zaxxer.hikari.HikariDataSource;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.camel.spi.Registry;
import org.apache.camel.test.junit5.CamelTestSupport;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import routes.app.PrinteryConfiguration;
import routes.db.DatabaseConfiguration;
import routes.deploy.deployers.DeployHandle;
import routes.deploy.deployers.DeployState;
import routes.deploy.deployers.Deployer;
import routes.deploy.deployers.DeployerException;
import routes.deploy.deployers.ServiceRelease;
import routes.events.EventFormat;
import routes.events.EventPublishException;
import routes.events.EventPublisher;
import routes.events.EventTypes;
import routes.events.Streams;
import routes.events.proto.DependencyCheckCompletedEvent;
import routes.events.proto.DependencyCheckResult;
import routes.events.proto.DeploymentEvent;
import routes.events.proto.DeploymentStatus;
import routes.events.proto.HealthCheckCompletedEvent;
import routes.events.proto.HealthStatus;
import routes.events.proto.ValidationCompletedEvent;
import routes.events.proto.ValidationResult;
import routes.manifest.Manifest;
import routes.manifest.ManifestLoader;
import routes.support.RedisServer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The orchestrator on real Redis streams and a real database: the plan's three flows, gates fed the workers'
 * results (duplicated and out of order), cancel, deadlines and the takeover of a deployment whose instance died.
 */
class OrchestratorTest extends CamelTestSupport {

    private static final String MANIFEST = """
            stages:
              - name: vercel
                services: [canvas, office]
                deployer: fake
              - name: railway
                services: [api, shield]
                checkDependencies: true
                deployer: fake
            services:
              canvas: {image: materi/canvas}
              office: {image: materi/office}
              api: {image: materi/api}
              shield: {image: materi/shield}
            """;

    private final String prefix = "test:orchestrator:" + UUID.randomUUID() + ":";
    private final Streams streams = new Streams(prefix + "deployment", prefix + "validation", prefix + "dependency",
            prefix + "health", prefix + "dlq");
    private final FakeDeployer deployer = new FakeDeployer();
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private LettuceConnectionFactory factory;
    private HikariDataSource dataSource;
    private DeploymentRuns runs;
    private RedisClient redis;
    private StatefulRedisConnection<byte[], byte[]> connection;

    @Override
    protected void bindToRegistry(Registry registry) {
        factory = PrinteryConfiguration.connectionFactory(RedisServer.shared().url());
        factory.afterPropertiesSet();
        registry.bind("redisConnectionFactory", factory);
    }

    @Override
    protected void doPostSetup() throws Exception {
        dataSource = new DatabaseConfiguration().printeryDataSource(context, "jdbc:h2:mem:orchestrator-" + UUID.randomUUID()
                + ";DB_CLOSE_DELAY=-1", "sa", "", 8, 5000);
        runs = new DeploymentRuns(dataSource);
        redis = RedisClient.create(RedisServer.shared().url());
        connection = redis.connect(ByteArrayCodec.INSTANCE);
    }

    @Override
    protected void doPostTearDown() throws Exception {
        executor.shutdownNow();
        context.stop();
        factory.destroy();
        dataSource.close();
        connection.close();
        redis.shutdown();
        super.doPostTearDown();
    }

    private Orchestrator orchestrator(String instance, Duration lease) {
        Manifest manifest = new ManifestLoader(name -> null).parse("test-manifest.yaml", MANIFEST);
        OrchestratorSettings settings = new OrchestratorSettings(Duration.ofSeconds(20), Duration.ofSeconds(20),
                Duration.ofSeconds(20), Duration.ofMillis(20), lease, 3, Set.of("production"));
        return new Orchestrator(runs, new EventPublisher(context, streams), manifest, Map.of("fake", deployer), settings,
                instance, executor, Clock.systemUTC());
    }

    private Orchestrator orchestrator() {
        return orchestrator("instance-a", Duration.ofSeconds(10));
    }

    private static DeployRequest request(String environment) {
        return new DeployRequest("dep-" + UUID.randomUUID(), "v2.0.0", environment, "rolling", List.of(), "ops@host");
    }

    @Test
    void aSuccessfulDeploymentGoesThroughEveryStageAndGate() throws Exception {
        Orchestrator orchestrator = orchestrator();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        orchestrator.measureWith(meters);
        DeploymentRun run = orchestrator.deploy(request("staging-ok"));
        awaitEvent(run, EventTypes.DEPLOYMENT_STARTED);
        orchestrator.onResult(validation(run, ValidationResult.VALIDATION_RESULT_PASSED));
        awaitEvent(run, EventTypes.stageCompleted("vercel"));
        orchestrator.onResult(health(run, "vercel", HealthStatus.HEALTH_STATUS_HEALTHY));
        awaitEvent(run, EventTypes.stageCompleted("railway"));
        orchestrator.onResult(health(run, "railway", HealthStatus.HEALTH_STATUS_HEALTHY));
        await("railway waits for its dependency result too", () -> phase(run) == RunPhase.GATING);
        orchestrator.onResult(dependency(run, "railway", DependencyCheckResult.DEPENDENCY_CHECK_RESULT_ALL_HEALTHY));

        await("completed", () -> phase(run) == RunPhase.COMPLETED);
        assertEquals(List.of(EventTypes.DEPLOYMENT_STARTED, EventTypes.stageStarted("vercel"), EventTypes.stageCompleted("vercel"),
                EventTypes.stageStarted("railway"), EventTypes.stageCompleted("railway"), EventTypes.DEPLOYMENT_COMPLETED),
                types(run));
        DeploymentEvent completed = event(run, EventTypes.DEPLOYMENT_COMPLETED);
        assertEquals(DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS, completed.getDeploymentCompleted().getStatus());
        assertEquals(List.of("vercel", "railway"), completed.getDeploymentCompleted().getStageResultsList().stream()
                .map(r -> r.getStage()).toList());
        assertTrue(events(run).stream().allMatch(e -> e.getCorrelationId().equals(run.correlationId())), "one correlation id");
        assertEquals(Map.of("canvas", 1, "office", 1, "api", 1, "shield", 1), deployer.deploys());
        assertEquals(Map.of(), deployer.rollbacks());
        assertTrue(runs.lockHolder("staging-ok").isEmpty(), "environment free again");
        // Each stage's duration; a gate's latency for each result that let it go on (railway's health result only
        // completes its gate with the dependency result after it).
        for (String stage : List.of("vercel", "railway")) {
            assertEquals(1, meters.get("printery_stage_duration").tags("stage", stage, "status", "success").timer().count(), stage);
        }
        assertEquals(3, meters.get("printery_gate_latency").timer().count());
    }

    @Test
    void aFailedValidationEndsTheDeploymentWithoutDeployingOrRollingBack() throws Exception {
        Orchestrator orchestrator = orchestrator();
        DeploymentRun run = orchestrator.deploy(request("staging-invalid"));
        awaitEvent(run, EventTypes.DEPLOYMENT_STARTED);
        orchestrator.onResult(validation(run, ValidationResult.VALIDATION_RESULT_FAILED));

        await("failed", () -> phase(run) == RunPhase.FAILED);
        assertEquals(List.of(EventTypes.DEPLOYMENT_STARTED, EventTypes.DEPLOYMENT_FAILED), types(run));
        assertEquals(DeploymentStatus.DEPLOYMENT_STATUS_FAILURE, event(run, EventTypes.DEPLOYMENT_FAILED).getDeploymentFailed().getStatus());
        assertEquals(Map.of(), deployer.deploys());
    }

    @Test
    void aFailedStageRollsTheDeployedStagesBackInReverseOrder() throws Exception {
        deployer.failing.add("shield");
        Orchestrator orchestrator = orchestrator();
        DeploymentRun run = orchestrator.deploy(request("staging-rollback"));
        awaitEvent(run, EventTypes.DEPLOYMENT_STARTED);
        orchestrator.onResult(validation(run, ValidationResult.VALIDATION_RESULT_PASSED));
        awaitEvent(run, EventTypes.stageCompleted("vercel"));
        orchestrator.onResult(health(run, "vercel", HealthStatus.HEALTH_STATUS_HEALTHY));

        await("rolled back", () -> phase(run) == RunPhase.ROLLED_BACK);
        assertEquals(List.of(EventTypes.DEPLOYMENT_STARTED, EventTypes.stageStarted("vercel"), EventTypes.stageCompleted("vercel"),
                EventTypes.stageStarted("railway"), EventTypes.stageCompleted("railway"), EventTypes.ROLLBACK_INITIATED,
                EventTypes.ROLLBACK_COMPLETED, EventTypes.DEPLOYMENT_FAILED), types(run));
        assertEquals(DeploymentStatus.DEPLOYMENT_STATUS_FAILURE,
                event(run, EventTypes.stageCompleted("railway")).getStageCompleted().getStatus());
        assertEquals(List.of("railway", "vercel"), event(run, EventTypes.ROLLBACK_INITIATED).getRollbackInitiated()
                .getStagesToRollbackList());
        assertEquals(DeploymentStatus.DEPLOYMENT_STATUS_ROLLED_BACK, event(run, EventTypes.DEPLOYMENT_FAILED)
                .getDeploymentFailed().getStatus());
        // The failed stage first (what of it was deployed), then the stage before it.
        List<String> order = deployer.rollbackOrder();
        assertEquals(Set.of("api", "shield", "canvas", "office"), Set.copyOf(order));
        assertTrue(order.subList(0, 2).containsAll(List.of("api", "shield")), order::toString);
    }

    @Test
    void anUnhealthyStageRollsBack() throws Exception {
        Orchestrator orchestrator = orchestrator();
        DeploymentRun run = orchestrator.deploy(request("staging-unhealthy"));
        awaitEvent(run, EventTypes.DEPLOYMENT_STARTED);
        orchestrator.onResult(validation(run, ValidationResult.VALIDATION_RESULT_PASSED));
        awaitEvent(run, EventTypes.stageCompleted("vercel"));
        orchestrator.onResult(health(run, "vercel", HealthStatus.HEALTH_STATUS_UNHEALTHY));

        await("rolled back", () -> phase(run) == RunPhase.ROLLED_BACK);
        assertTrue(runs.find(run.id()).orElseThrow().error().contains("vercel unhealthy"), runs.find(run.id()).orElseThrow()::error);
        assertEquals(Set.of("canvas", "office"), deployer.rollbacks().keySet());
    }

    @Test
    void duplicateLateAndShuffledResultsEndInTheSameState() throws Exception {
        Orchestrator orchestrator = orchestrator();
        DeploymentRun run = orchestrator.deploy(request("staging-shuffled"));
        awaitEvent(run, EventTypes.DEPLOYMENT_STARTED);
        // Early: results for stages not yet gated change nothing.
        orchestrator.onResult(health(run, "railway", HealthStatus.HEALTH_STATUS_UNHEALTHY));
        orchestrator.onResult(dependency(run, "railway", DependencyCheckResult.DEPENDENCY_CHECK_RESULT_ALL_UNHEALTHY));
        orchestrator.onResult(validation(run, ValidationResult.VALIDATION_RESULT_PASSED));
        orchestrator.onResult(validation(run, ValidationResult.VALIDATION_RESULT_FAILED));
        awaitEvent(run, EventTypes.stageCompleted("vercel"));
        orchestrator.onResult(validation(run, ValidationResult.VALIDATION_RESULT_FAILED));
        orchestrator.onResult(health(run, "vercel", HealthStatus.HEALTH_STATUS_HEALTHY));
        orchestrator.onResult(health(run, "vercel", HealthStatus.HEALTH_STATUS_UNHEALTHY));
        awaitEvent(run, EventTypes.stageCompleted("railway"));
        orchestrator.onResult(dependency(run, "railway", DependencyCheckResult.DEPENDENCY_CHECK_RESULT_ALL_HEALTHY));
        orchestrator.onResult(health(run, "railway", HealthStatus.HEALTH_STATUS_HEALTHY));
        orchestrator.onResult(health(run, "railway", HealthStatus.HEALTH_STATUS_UNHEALTHY));

        await("completed", () -> phase(run) == RunPhase.COMPLETED);
        for (DeploymentEvent late : List.of(validation(run, ValidationResult.VALIDATION_RESULT_FAILED),
                health(run, "railway", HealthStatus.HEALTH_STATUS_UNHEALTHY))) {
            orchestrator.onResult(late);
        }
        assertEquals(RunPhase.COMPLETED, phase(run), "an ended deployment stays ended");
        assertEquals(6, types(run).size(), () -> "no event twice: " + types(run));
    }

    @Test
    void aSecondDeploymentToTheSameEnvironmentIsRefusedAtOnceAnotherEnvironmentRuns() {
        Orchestrator orchestrator = orchestrator();
        DeploymentRun first = orchestrator.deploy(request("staging-locked"));
        EnvironmentLockedException refused = assertThrows(EnvironmentLockedException.class,
                () -> orchestrator.deploy(request("staging-locked")));
        assertEquals(first.id(), refused.runningDeployment());
        orchestrator.deploy(request("staging-elsewhere"));
    }

    @Test
    void cancelDuringAGateRollsBackAndEndsCancelled() throws Exception {
        Orchestrator orchestrator = orchestrator();
        DeploymentRun run = orchestrator.deploy(request("staging-cancel"));
        awaitEvent(run, EventTypes.DEPLOYMENT_STARTED);
        orchestrator.onResult(validation(run, ValidationResult.VALIDATION_RESULT_PASSED));
        awaitEvent(run, EventTypes.stageCompleted("vercel"));
        assertTrue(orchestrator.cancel(run.id(), "ops@host"));

        await("cancelled", () -> phase(run) == RunPhase.CANCELLED);
        assertEquals(DeploymentStatus.DEPLOYMENT_STATUS_CANCELLED, event(run, EventTypes.DEPLOYMENT_FAILED)
                .getDeploymentFailed().getStatus());
        assertEquals(Set.of("canvas", "office"), deployer.rollbacks().keySet());
        assertEquals(false, orchestrator.cancel(run.id(), "ops@host"), "an ended deployment is not cancelled again");
    }

    @Test
    void aDeploymentWhoseInstanceDiedMidDeployIsTakenOverWithoutDeployingTwice() throws Exception {
        CountDownLatch stuck = new CountDownLatch(1);
        deployer.hangStatusOf.put("canvas", stuck);
        Orchestrator dying = orchestrator("instance-a", Duration.ofMillis(500));
        DeploymentRun run = dying.deploy(request("staging-takeover"));
        awaitEvent(run, EventTypes.DEPLOYMENT_STARTED);
        dying.onResult(validation(run, ValidationResult.VALIDATION_RESULT_PASSED));
        await("canvas deployed, its status hanging", () -> deployer.deploys().getOrDefault("canvas", 0) == 1
                && deployer.statusAsked.get() > 0);

        Orchestrator survivor = orchestrator("instance-b", Duration.ofSeconds(10));
        deployer.hangStatusOf.clear();
        await("instance-b takes the deployment once instance-a's lease ran out", () -> {
            survivor.sweep();
            return "instance-b".equals(runs.find(run.id()).orElseThrow().leaseOwner())
                    || phase(run) == RunPhase.GATING;
        });
        awaitEvent(run, EventTypes.stageCompleted("vercel"));
        stuck.countDown(); // instance-a wakes up: its lease is gone, it writes nothing more
        survivor.onResult(health(run, "vercel", HealthStatus.HEALTH_STATUS_HEALTHY));
        awaitEvent(run, EventTypes.stageCompleted("railway"));
        survivor.onResult(health(run, "railway", HealthStatus.HEALTH_STATUS_HEALTHY));
        survivor.onResult(dependency(run, "railway", DependencyCheckResult.DEPENDENCY_CHECK_RESULT_ALL_HEALTHY));

        await("completed", () -> phase(run) == RunPhase.COMPLETED);
        assertEquals(Map.of("canvas", 1, "office", 1, "api", 1, "shield", 1), deployer.deploys(),
                "the persisted deploys were asked for their status, not triggered again");
        assertEquals(1, types(run).stream().filter(EventTypes.stageCompleted("vercel")::equals).count());
    }

    @Test
    void aStageGatedButNotAnnouncedWhenItsInstanceDiedIsAnnouncedByTheNextSweep() throws Exception {
        // The instance dies (here: Redis refuses the event) between persisting the gate and publishing the stage's
        // completion. Nobody checks the stage's health then, so only the gate's deadline would move it: a rollback.
        AtomicBoolean dies = new AtomicBoolean(true);
        EventPublisher diesAtStageCompleted = new EventPublisher(context, streams) {
            @Override
            public String publish(DeploymentEvent.Builder event) {
                if (event.getType().equals(EventTypes.stageCompleted("vercel")) && dies.getAndSet(false)) {
                    throw new EventPublishException("killed before publishing", null);
                }
                return super.publish(event);
            }
        };
        Manifest manifest = new ManifestLoader(name -> null).parse("test-manifest.yaml", MANIFEST);
        Orchestrator orchestrator = new Orchestrator(runs, diesAtStageCompleted, manifest, Map.of("fake", deployer),
                new OrchestratorSettings(Duration.ofSeconds(20), Duration.ofSeconds(20), Duration.ofMinutes(5),
                        Duration.ofMillis(20), Duration.ofMillis(300), 3, Set.of()), "instance-a", executor, Clock.systemUTC());
        DeploymentRun run = orchestrator.deploy(request("staging-unannounced"));
        awaitEvent(run, EventTypes.DEPLOYMENT_STARTED);
        orchestrator.onResult(validation(run, ValidationResult.VALIDATION_RESULT_PASSED));
        await("vercel gated, its completion not published", () -> !dies.get() && phase(run) == RunPhase.GATING);

        await("a sweep after the lease ran out announces the stage", () -> {
            orchestrator.sweep();
            return types(run).contains(EventTypes.stageCompleted("vercel"));
        });
        orchestrator.onResult(health(run, "vercel", HealthStatus.HEALTH_STATUS_HEALTHY));
        awaitEvent(run, EventTypes.stageCompleted("railway"));
        orchestrator.onResult(health(run, "railway", HealthStatus.HEALTH_STATUS_HEALTHY));
        orchestrator.onResult(dependency(run, "railway", DependencyCheckResult.DEPENDENCY_CHECK_RESULT_ALL_HEALTHY));

        await("completed", () -> phase(run) == RunPhase.COMPLETED);
        assertEquals(1, types(run).stream().filter(EventTypes.stageCompleted("vercel")::equals).count());
        assertEquals(Map.of("canvas", 1, "office", 1, "api", 1, "shield", 1), deployer.deploys());
    }

    @Test
    void aDeploymentWaitingPastItsDeadlineFailsWithTheReason() throws Exception {
        Manifest manifest = new ManifestLoader(name -> null).parse("test-manifest.yaml", MANIFEST);
        Orchestrator impatient = new Orchestrator(runs, new EventPublisher(context, streams), manifest,
                Map.of("fake", deployer), new OrchestratorSettings(Duration.ofMillis(300), Duration.ofSeconds(20),
                Duration.ofSeconds(20), Duration.ofMillis(20), Duration.ofSeconds(10), 3, Set.of()), "instance-a",
                executor, Clock.systemUTC());
        DeploymentRun run = impatient.deploy(request("staging-deadline"));
        awaitEvent(run, EventTypes.DEPLOYMENT_STARTED);
        await("failed after the validation deadline", () -> {
            impatient.sweep();
            return phase(run) == RunPhase.FAILED;
        });
        assertTrue(event(run, EventTypes.DEPLOYMENT_FAILED).getDeploymentFailed().getReason()
                .contains("no validation:completed within PT0.3S"));
    }

    @Test
    void aPlanThatCannotBeDeployedIsRefusedBeforeAnythingRuns() {
        Orchestrator orchestrator = orchestrator();
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> orchestrator.deploy(
                new DeployRequest("dep-x", "v1", "staging-plan", "rolling", List.of("nope"), "ops")));
        assertTrue(unknown.getMessage().contains("service 'nope' is not in manifest"), unknown.getMessage());
        assertTrue(runs.lockHolder("staging-plan").isEmpty());
    }

    // ---- results as the workers publish them ----

    private static DeploymentEvent.Builder result(DeploymentRun run, String type) {
        return DeploymentEvent.newBuilder().setType(type).setEventId(UUID.randomUUID().toString())
                .setDeploymentId(run.id()).setCorrelationId(run.correlationId()).setTimestamp(System.currentTimeMillis());
    }

    private static DeploymentEvent validation(DeploymentRun run, ValidationResult result) {
        return result(run, EventTypes.VALIDATION_COMPLETED).setValidationCompleted(ValidationCompletedEvent.newBuilder()
                .setResult(result)).build();
    }

    private static DeploymentEvent health(DeploymentRun run, String stage, HealthStatus status) {
        return result(run, EventTypes.HEALTH_CHECK_COMPLETED).setHealthCheckCompleted(HealthCheckCompletedEvent.newBuilder()
                .setStage(stage).setOverallStatus(status)).build();
    }

    private static DeploymentEvent dependency(DeploymentRun run, String stage, DependencyCheckResult result) {
        return result(run, EventTypes.DEPENDENCY_CHECK_COMPLETED).setDependencyCheckCompleted(
                DependencyCheckCompletedEvent.newBuilder().setStage(stage).setResult(result)).build();
    }

    // ---- what happened ----

    private RunPhase phase(DeploymentRun run) {
        return runs.find(run.id()).orElseThrow().phase();
    }

    private List<DeploymentEvent> events(DeploymentRun run) {
        List<DeploymentEvent> events = new ArrayList<>();
        for (var entry : connection.sync().xrange(streams.deployment().getBytes(StandardCharsets.UTF_8), Range.create("-", "+"))) {
            entry.getBody().forEach((k, v) -> {
                if (new String(k, StandardCharsets.UTF_8).equals("payload")) {
                    DeploymentEvent event = EventFormat.decode(v);
                    if (event.getDeploymentId().equals(run.id())) {
                        events.add(event);
                    }
                }
            });
        }
        return events;
    }

    private List<String> types(DeploymentRun run) {
        return events(run).stream().map(DeploymentEvent::getType).toList();
    }

    private DeploymentEvent event(DeploymentRun run, String type) {
        return events(run).stream().filter(e -> e.getType().equals(type)).findFirst().orElseThrow();
    }

    private void awaitEvent(DeploymentRun run, String type) {
        await(type + " of " + run.id(), () -> types(run).contains(type));
    }

    private static void await(String what, BooleanSupplier condition) {
        Awaitility.await(what).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                .until(condition::getAsBoolean);
    }

    /** A deployer of this test: services deploy at once unless told to fail or to hang in a status call. */
    static final class FakeDeployer implements Deployer {
        final Set<String> failing = ConcurrentHashMap.newKeySet();
        final Map<String, CountDownLatch> hangStatusOf = new ConcurrentHashMap<>();
        final AtomicInteger statusAsked = new AtomicInteger();
        private final Map<String, AtomicInteger> deploys = new ConcurrentHashMap<>();
        private final List<String> rollbackOrder = Collections.synchronizedList(new ArrayList<>());

        @Override
        public DeployHandle deploy(ServiceRelease release) {
            deploys.computeIfAbsent(release.service(), s -> new AtomicInteger()).incrementAndGet();
            return new DeployHandle(release.service(), "deploy-" + release.service() + "-" + release.deploymentId(),
                    "previous-" + release.service());
        }

        @Override
        public DeployState status(DeployHandle handle) throws DeployerException {
            statusAsked.incrementAndGet();
            CountDownLatch hang = hangStatusOf.get(handle.service());
            if (hang != null && handle.id().startsWith("deploy-")) {
                try {
                    hang.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (handle.id().startsWith("rollback-")) {
                return DeployState.succeeded("restored");
            }
            return failing.contains(handle.service()) ? DeployState.failed("build failed") : DeployState.succeeded("ready");
        }

        @Override
        public DeployHandle rollback(DeployHandle handle) {
            rollbackOrder.add(handle.service());
            return new DeployHandle(handle.service(), "rollback-" + handle.service(), null);
        }

        Map<String, Integer> deploys() {
            Map<String, Integer> counts = new java.util.TreeMap<>();
            deploys.forEach((service, count) -> counts.put(service, count.get()));
            return counts;
        }

        Map<String, Integer> rollbacks() {
            Map<String, Integer> counts = new java.util.TreeMap<>();
            rollbackOrder.forEach(service -> counts.merge(service, 1, Integer::sum));
            return counts;
        }

        List<String> rollbackOrder() {
            return List.copyOf(rollbackOrder);
        }
    }
}
