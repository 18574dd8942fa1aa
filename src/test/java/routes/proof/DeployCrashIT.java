package routes.proof;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import routes.events.EventTypes;
import routes.events.proto.DeploymentEvent;
import routes.events.proto.DeploymentStatus;
import routes.support.AppProcess;
import routes.support.Ports;
import routes.support.RedisServer;
import routes.workers.FakeService;

/**
 * The orchestrator's crash proof on the packaged app: `printery run` (a separate JVM, real Redis, the H2 file
 * database and the simulated deployer's journal in its data directory) is killed with SIGKILL in the middle of a
 * deployment's validation, stage deploy, health gate and rollback, one test each, and started again. Each time the
 * deployment ends on its own (completed, or rolled back) with each of its events once, and the journal, which the
 * simulated deployer of both processes writes, shows every service deployed and rolled back once: the restarted
 * process asked for the status of what the killed one triggered instead of triggering it again.
 *
 * <p>One `run` serves the class: each test kills it and leaves the restarted one running for the next. The lease is
 * 2 s (30 s by default), so the restarted process takes over the killed one's running step soon after it is up.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeployCrashIT {

    private static final String STAGE = "apps";
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private final String prefix = "deploy-crash-it:" + System.nanoTime();
    private final String deploymentStream = prefix + ":deployment";
    private final String validationStream = prefix + ":validation";
    private final String healthStream = prefix + ":health";
    private FakeService service;
    private HttpServer discovery;
    private volatile long discoveryDelayMillis;
    private Path dir;
    private Map<String, String> env;
    private List<String> properties;
    private AppProcess app;
    private DeploymentTrail trail;

    @BeforeAll
    void start() throws Exception {
        service = new FakeService().traffic(100, 0);
        // The validator's service_discovery check asks this; a slow answer holds the validation open for a kill.
        discovery = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        discovery.createContext("/leader", exchange -> {
            try {
                Thread.sleep(discoveryDelayMillis);
                exchange.sendResponseHeaders(200, -1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                exchange.close();
            }
        });
        discovery.setExecutor(Executors.newCachedThreadPool());
        discovery.start();

        dir = Files.createTempDirectory("printery-deploy-crash-");
        String targets = service.targets();
        // One stage; each test deploys one service of it, each service to its own environment.
        Path manifest = Files.writeString(dir.resolve("manifest.yaml"), """
                stages:
                  - name: %s
                    services: [validating, deploying, gating, rolling-back]
                    deployer: simulated
                    settings: {duration: 300ms}
                services:
                  validating: {image: proof/validating, %s}
                  deploying: {image: proof/deploying, %s, deploy: {duration: 6s}}
                  gating: {image: proof/gating, %s}
                  rolling-back: {image: proof/rolling-back, %s, deploy: {duration: 3s, failOnDeploy: "true", running: rolling-back-v0}}
                environments:
                  crash-validation: {variables: env}
                  crash-deploy: {variables: env}
                  crash-gate: {variables: env}
                  crash-rollback: {variables: env}
                discovery:
                  url: http://127.0.0.1:%d/leader
                """.formatted(STAGE, targets, targets, targets, targets, discovery.getAddress().getPort()));
        env = Map.of("PRINTERY_REDIS_URL", RedisServer.shared().url(), "PRINTERY_MANIFEST", manifest.toString(),
                "PRINTERY_DATA_DIR", dir.resolve("data").toString(), "PRINTERY_HTTP_PORT", String.valueOf(Ports.free()),
                "PRINTERY_HEALTH_WINDOW", "2s", "PRINTERY_HEALTH_SAMPLES", "2");
        properties = List.of("printery.streams.deployment=" + deploymentStream,
                "printery.streams.validation=" + validationStream, "printery.streams.dependency=" + prefix + ":dependency",
                "printery.streams.health=" + healthStream, "printery.streams.dlq=" + prefix + ":dlq",
                "printery.deploy.poll-interval=100ms", "printery.deploy.sweep-interval=200", "printery.deploy.lease=2s");
        List<String> jvm = new ArrayList<>(List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        properties.forEach(p -> jvm.add("-D" + p));
        app = new AppProcess(env, jvm);
        app.start();
        trail = new DeploymentTrail(RedisServer.shared().url(), dir.resolve("data/simulated-deployer.jsonl"));
    }

    @BeforeEach
    void running() throws Exception {
        discoveryDelayMillis = 0;
        if (!app.running()) {
            app.start(); // a test before this one failed between its kill and its restart
        }
    }

    @AfterAll
    void stop() throws Exception {
        if (app != null) {
            app.stop();
        }
        if (trail != null) {
            trail.close();
        }
        if (discovery != null) {
            discovery.stop(0);
        }
        if (service != null) {
            service.close();
        }
    }

    @Test
    void killedDuringValidationTheDeploymentIsValidatedAgainAndCompletes() throws Exception {
        discoveryDelayMillis = 4000;
        String id = submit("validating", "crash-validation");
        await("validation started", () -> types(validationStream, id).contains(EventTypes.VALIDATION_STARTED));
        assertFalse(types(validationStream, id).contains(EventTypes.VALIDATION_COMPLETED), "still validating at the kill");

        app.kill();
        discoveryDelayMillis = 0; // the validation the restart runs again need not be slow
        app.start();

        assertCompleted(id, "validating");
    }

    @Test
    void killedDuringAStageDeployTheRestartAsksForItsStatusAndDeploysNothingAgain() throws Exception {
        String id = submit("deploying", "crash-deploy");
        await("deploying triggered", () -> journal("deploying", "DEPLOY") == 1);
        awaitStored(id, "sim-deploying-v2.0.0-1"); // the handle, persisted before the stage polls its status
        assertFalse(types(deploymentStream, id).contains(EventTypes.stageCompleted(STAGE)), "still deploying at the kill");

        killAndRestart();

        assertCompleted(id, "deploying");
        assertTrue(stageCompleted(id).getStageCompleted().getDurationMs() >= 6000,
                "the one deploy's 6 s, across the kill: " + stageCompleted(id));
    }

    @Test
    void killedDuringTheHealthGateTheStageIsWatchedAgainAndTheDeploymentCompletes() throws Exception {
        String id = submit("gating", "crash-gate");
        await("health watch started", () -> types(healthStream, id).contains(EventTypes.HEALTH_CHECK_STARTED));
        assertFalse(types(healthStream, id).contains(EventTypes.HEALTH_CHECK_COMPLETED), "still gating at the kill");

        killAndRestart();

        assertCompleted(id, "gating");
    }

    @Test
    void killedDuringRollbackTheRestartFinishesTheRollbackWithoutStartingItAgain() throws Exception {
        String id = submit("rolling-back", "crash-rollback");
        await("rollback started", () -> journal("rolling-back", "ROLLBACK") == 1);
        awaitStored(id, "sim-rolling-back-rollback-1");
        assertFalse(types(deploymentStream, id).contains(EventTypes.ROLLBACK_COMPLETED), "still rolling back at the kill");

        killAndRestart();

        DeploymentEvent end = awaitEnd(id);
        assertEquals(List.of(EventTypes.DEPLOYMENT_STARTED, EventTypes.stageStarted(STAGE), EventTypes.stageCompleted(STAGE),
                EventTypes.ROLLBACK_INITIATED, EventTypes.ROLLBACK_COMPLETED, EventTypes.DEPLOYMENT_FAILED),
                types(deploymentStream, id), "each event once, in order");
        assertEquals(DeploymentStatus.DEPLOYMENT_STATUS_FAILURE, stageCompleted(id).getStageCompleted().getStatus());
        assertEquals(DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS, event(id, EventTypes.ROLLBACK_COMPLETED)
                .getRollbackCompleted().getStatus());
        assertEquals(List.of("rolling-back"), event(id, EventTypes.ROLLBACK_COMPLETED).getRollbackCompleted()
                .getRolledBackServicesList());
        assertEquals(DeploymentStatus.DEPLOYMENT_STATUS_ROLLED_BACK, end.getDeploymentFailed().getStatus());
        assertEquals("ROLLED_BACK", storedPhase(id));
        // Its deploy's status said FAILED, which is no reason to deploy again either.
        assertEquals(1, journal("rolling-back", "DEPLOY"), this::journalText);
        assertEquals(1, journal("rolling-back", "ROLLBACK"), this::journalText);
    }

    // ---- the steps ----

    /** `printery deploy --no-wait` as an operator runs it: stores the deployment for `run` to take; its id. */
    private String submit(String service, String environment) throws Exception {
        List<String> command = new ArrayList<>(List.of(System.getProperty("java.home") + "/bin/java",
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
        properties.forEach(p -> command.add("-D" + p));
        command.addAll(List.of("-jar", AppProcess.jar().getAbsolutePath(), "deploy", "--version", "v2.0.0",
                "--environment", environment, "--services", service, "--no-wait"));
        Path out = Files.createTempFile(dir, "deploy-", ".out");
        Path err = Files.createTempFile(dir, "deploy-", ".err");
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().putAll(env);
        Process deploy = builder.start();
        if (!deploy.waitFor(60, TimeUnit.SECONDS)) {
            deploy.destroyForcibly();
            fail("printery deploy did not return within 60 s: " + Files.readString(err));
        }
        List<String> lines = Files.readAllLines(out);
        assertEquals(0, deploy.exitValue(), () -> "printery deploy: " + lines + "\n" + readQuietly(err));
        return lines.get(0).strip();
    }

    private void killAndRestart() throws Exception {
        app.kill();
        app.start();
    }

    private void assertCompleted(String id, String service) throws Exception {
        DeploymentEvent end = awaitEnd(id);
        assertEquals(List.of(EventTypes.DEPLOYMENT_STARTED, EventTypes.stageStarted(STAGE), EventTypes.stageCompleted(STAGE),
                EventTypes.DEPLOYMENT_COMPLETED), types(deploymentStream, id), "each event once, in order");
        assertEquals(DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS, end.getDeploymentCompleted().getStatus());
        assertEquals("COMPLETED", storedPhase(id));
        assertEquals(1, journal(service, "DEPLOY"), this::journalText);
        assertEquals(0, journal(service, "ROLLBACK"), this::journalText);
    }

    /** The deployment's last event (deployment:completed or deployment:failed), once there. */
    private DeploymentEvent awaitEnd(String id) throws Exception {
        await("the deployment's end", () -> types(deploymentStream, id).stream()
                .anyMatch(t -> t.equals(EventTypes.DEPLOYMENT_COMPLETED) || t.equals(EventTypes.DEPLOYMENT_FAILED)));
        List<DeploymentEvent> events = events(deploymentStream, id);
        return events.get(events.size() - 1);
    }

    private void await(String what, BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("no " + what + " within " + PATIENCE + "; journal:\n" + journalText() + "\napp log ends:\n"
                        + ProofEnvironment.tail(app));
            }
            Thread.sleep(50);
        }
    }

    // ---- what happened ----

    private List<DeploymentEvent> events(String stream, String id) {
        return trail.events(stream, id);
    }

    private List<String> types(String stream, String id) {
        return trail.types(stream, id);
    }

    private DeploymentEvent event(String id, String type) {
        return events(deploymentStream, id).stream().filter(e -> e.getType().equals(type)).findFirst().orElseThrow();
    }

    private DeploymentEvent stageCompleted(String id) {
        return event(id, EventTypes.stageCompleted(STAGE));
    }

    /** The run's phase in the database, once it ended there. */
    private String storedPhase(String id) throws Exception {
        await("the run ended in the database", () -> !List.of("", "PENDING", "VALIDATING", "DEPLOYING", "GATING",
                "ROLLING_BACK").contains(stored(id, "phase")));
        return stored(id, "phase");
    }

    /** Waits until the run's progress in the database names a deployer handle's id. */
    private void awaitStored(String id, String handle) throws Exception {
        await(handle + " persisted", () -> stored(id, "progress").contains("\"" + handle + "\""));
    }

    /**
     * A column of the run as the running app's database has it ("" when it cannot be read). Only while the app
     * runs: it is the H2 server then, and this a client; with no app, this process would hold the database.
     */
    private String stored(String id, String column) {
        String url = "jdbc:h2:file:" + dir.resolve("data/printery") + ";AUTO_SERVER=TRUE";
        try (Connection db = DriverManager.getConnection(url, "sa", ""); Statement sql = db.createStatement();
             ResultSet rows = sql.executeQuery("SELECT " + column + " FROM deployment_run WHERE id = '" + id + "'")) {
            return rows.next() ? rows.getString(1) : "";
        } catch (SQLException e) {
            return "";
        }
    }

    /** Calls of this kind for the service in the simulated deployer's journal, by every process. */
    private int journal(String service, String call) {
        return trail.journal(call, "service", service);
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(" + file + " unreadable: " + e + ")";
        }
    }

    private String journalText() {
        return trail.journalText();
    }
}
