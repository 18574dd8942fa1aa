package routes.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import routes.support.Ports;
import routes.support.RedisServer;
import routes.workers.FakeService;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The plan's flows on the packaged app, in separate processes on real Redis: `printery run` (workers and
 * orchestrator) takes what `printery deploy` stores; the simulated deployer deploys, the health monitor watches a
 * local service, and `deploy` shows the events and exits with the outcome.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeployIT {

    private FakeService web;
    private FakeService api;
    private JarProcess run;
    private Map<String, String> env;
    private List<String> streams;

    @BeforeAll
    void start() throws Exception {
        web = new FakeService().traffic(100, 0);
        api = new FakeService().traffic(100, 0);
        Path dir = Files.createTempDirectory("printery-deploy-it-");
        Path manifest = Files.writeString(dir.resolve("manifest.yaml"), """
                stages:
                  - name: vercel
                    services: [web]
                    deployer: simulated
                    settings: {duration: 300ms}
                  - name: railway
                    services: [api, slow, steady]
                    deployer: simulated
                    settings: {duration: 300ms}
                services:
                  web: {image: materi/web, health: %s, ready: %s, metrics: %s}
                  api: {image: materi/api, health: %s, ready: %s, metrics: %s, deploy: {failOnDeploy: "true"}}
                  slow: {image: materi/slow, health: %s, ready: %s, metrics: %s, deploy: {duration: 30s}}
                  steady: {image: materi/steady, health: %s, ready: %s, metrics: %s, deploy: {duration: 10s}}
                environments:
                  staging-ok: {variables: env}
                  staging-fail: {variables: env}
                  staging-locked: {variables: env}
                  staging-east: {variables: env}
                  staging-west: {variables: env}
                  staging-cancel: {variables: env}
                """.formatted(web.url("/health"), web.url("/ready"), web.url("/metrics"), api.url("/health"),
                api.url("/ready"), api.url("/metrics"), web.url("/health"), web.url("/ready"), web.url("/metrics"),
                web.url("/health"), web.url("/ready"), web.url("/metrics")));
        String prefix = "deploy-it:" + System.nanoTime();
        streams = List.of("printery.streams.deployment=" + prefix + ":deployment",
                "printery.streams.validation=" + prefix + ":validation",
                "printery.streams.dependency=" + prefix + ":dependency", "printery.streams.health=" + prefix + ":health",
                "printery.streams.dlq=" + prefix + ":dlq", "printery.deploy.poll-interval=100ms",
                "printery.deploy.sweep-interval=200");
        env = Map.of("PRINTERY_REDIS_URL", RedisServer.shared().url(), "PRINTERY_MANIFEST", manifest.toString(),
                "PRINTERY_DATA_DIR", dir.toString(), "PRINTERY_HEALTH_WINDOW", "1s", "PRINTERY_HEALTH_SAMPLES", "2");
        Map<String, String> runEnv = new java.util.HashMap<>(env);
        runEnv.put("PRINTERY_HTTP_PORT", String.valueOf(Ports.free()));
        run = JarProcess.start(runEnv, streams, "run");
        run.awaitStderr(line -> line.endsWith(" - ready"), 60, "ready");
    }

    @AfterAll
    void stop() throws Exception {
        if (run != null) {
            run.terminate();
            run.awaitExit(45);
            run.close();
        }
        web.close();
        api.close();
    }

    @Test
    void aSuccessfulDeploymentShowsEveryStepAndExits0() throws Exception {
        try (JarProcess deploy = JarProcess.start(env, streams, "deploy", "--version", "v1.0.0", "--environment",
                "staging-ok", "--services", "web")) {
            assertEquals(0, deploy.awaitExit(90), () -> "deploy: " + deploy.stdout() + deploy.stderr() + "\nrun: " + run.stderr());
            String out = String.join("\n", deploy.stdout());
            assertInOrder(out, "deployment:started", "deployment:stage:vercel:started", "deployment:stage:vercel:completed SUCCESS",
                    "deployment:completed");
            assertTrue(deploy.stdout().get(deploy.stdout().size() - 1).endsWith(": COMPLETED"), out);
        }
    }

    @Test
    void aFailedStageRollsBackInReverseOrderAndExits1() throws Exception {
        try (JarProcess deploy = JarProcess.start(env, streams, "deploy", "--version", "v2.0.0", "--environment",
                "staging-fail")) {
            assertEquals(1, deploy.awaitExit(90), () -> "deploy: " + deploy.stdout() + deploy.stderr() + "\nrun: " + run.stderr());
            String out = String.join("\n", deploy.stdout());
            assertInOrder(out, "deployment:stage:vercel:completed SUCCESS", "deployment:stage:railway:completed FAILURE",
                    "rollback:initiated", "rollback:completed", "deployment:failed ROLLED_BACK");
            assertTrue(deploy.stdout().get(deploy.stdout().size() - 1).contains(": ROLLED_BACK"), out);
        }
    }

    @Test
    void aSecondDeploymentToARunningEnvironmentExits4AtOnce() throws Exception {
        String first;
        try (JarProcess deploy = JarProcess.start(env, streams, "deploy", "--version", "v3.0.0", "--environment",
                "staging-locked", "--services", "slow", "--no-wait")) {
            assertEquals(0, deploy.awaitExit(60), () -> "" + deploy.stderr());
            first = deploy.stdout().get(0);
        }
        try (JarProcess second = JarProcess.start(env, streams, "deploy", "--version", "v3.0.1", "--environment",
                "staging-locked", "--services", "web")) {
            assertEquals(4, second.awaitExit(60), () -> "" + second.stderr());
            assertTrue(second.stderr().stream().anyMatch(l -> l.equals(
                    "printery deploy: environment staging-locked is locked by running deployment " + first)), () -> "" + second.stderr());
        }
    }

    @Test
    void deploymentsToTwoEnvironmentsRunAtTheSameTime() throws Exception {
        String east;
        try (JarProcess deploy = JarProcess.start(env, streams, "deploy", "--version", "v4.0.0", "--environment",
                "staging-east", "--services", "slow", "--no-wait")) {
            assertEquals(0, deploy.awaitExit(60), () -> "" + deploy.stderr());
            east = deploy.stdout().get(0);
        }
        try (JarProcess west = JarProcess.start(env, streams, "deploy", "--version", "v4.0.0", "--environment",
                "staging-west", "--services", "web")) {
            assertEquals(0, west.awaitExit(90), () -> "west: " + west.stdout() + west.stderr());
        }
        // East was still running all along: cancelling it now finds it.
        try (JarProcess cancel = JarProcess.start(env, streams, "deploy", "cancel", east)) {
            assertEquals(0, cancel.awaitExit(60), () -> "cancel: " + cancel.stdout() + cancel.stderr());
        }
    }

    @Test
    void cancelDuringAStageRollsBackAndEndsCancelledWithExit5() throws Exception {
        try (JarProcess deploy = JarProcess.start(env, streams, "deploy", "--version", "v5.0.0", "--environment",
                "staging-cancel", "--services", "web,steady")) {
            String id = deploy.awaitStdout(line -> line.matches("[0-9a-f-]{36}"), 60, "the deployment's id");
            deploy.awaitStdout(line -> line.contains("deployment:stage:railway:started"), 60, "railway started");
            try (JarProcess cancel = JarProcess.start(env, streams, "deploy", "cancel", id)) {
                assertEquals(0, cancel.awaitExit(60), () -> "cancel: " + cancel.stdout() + cancel.stderr()
                        + "\ndeploy: " + deploy.stdout());
            }
            assertEquals(5, deploy.awaitExit(90), () -> "deploy: " + deploy.stdout() + deploy.stderr() + "\nrun: " + run.stderr());
            String out = String.join("\n", deploy.stdout());
            assertInOrder(out, "deployment:stage:vercel:completed SUCCESS", "deployment:stage:railway:started",
                    "rollback:initiated cancelled", "rollback:completed", "deployment:failed CANCELLED");
            assertTrue(deploy.stdout().get(deploy.stdout().size() - 1).contains(": CANCELLED"), out);
        }
    }

    private static void assertInOrder(String text, String... parts) {
        int at = 0;
        for (String part : parts) {
            int found = text.indexOf(part, at);
            assertTrue(found >= 0, () -> "'" + part + "' after position in:\n" + text);
            at = found + part.length();
        }
    }
}
