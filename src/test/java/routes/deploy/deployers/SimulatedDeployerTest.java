package routes.deploy.deployers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import routes.deploy.deployers.DeployState.Phase;
import routes.deploy.deployers.SimulatedDeployer.Call;
import routes.deploy.deployers.SimulatedDeployer.CallKind;

/** SimulatedDeployer: timings, configured failures, what runs before a deploy, the call counters and the journal. */
class SimulatedDeployerTest {

    private static final Duration DURATION = Duration.ofMillis(300);
    private static final Duration PATIENCE = Duration.ofSeconds(10);

    private static ServiceRelease release(String service, String version, Map<String, String> settings) {
        return new ServiceRelease("dep-1", "backend", service, version, "staging", settings);
    }

    private static DeployState awaitEnd(Deployer deployer, DeployHandle handle) throws Exception {
        return Poll.until(PATIENCE, () -> deployer.status(handle), s -> s.phase() != Phase.RUNNING);
    }

    @Test
    void aDeployRunsForItsDurationThenSucceeds() throws Exception {
        SimulatedDeployer deployer = SimulatedDeployer.builder().duration("api", DURATION).build();
        long start = System.nanoTime();

        DeployHandle handle = deployer.deploy(release("api", "v2", Map.of()));

        assertEquals(new DeployHandle("api", "sim-api-v2-1", null), handle);
        assertEquals(Phase.RUNNING, deployer.status(handle).phase());
        assertEquals(new DeployState(Phase.SUCCEEDED, "simulated deploy succeeded"), awaitEnd(deployer, handle));
        assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(DURATION) >= 0, "RUNNING for the whole duration");
        assertEquals(1, deployer.deployCount("api"));
        assertTrue(deployer.statusCount("api") >= 2);
        assertEquals(new Call(CallKind.DEPLOY, "api", "sim-api-v2-1"), deployer.calls().get(0));
    }

    @Test
    void aServiceConfiguredToFailEndsFailedAndOthersAreUntouched() throws Exception {
        SimulatedDeployer deployer = SimulatedDeployer.builder().defaultDuration(Duration.ZERO).failOnDeploy("shield").build();

        DeployHandle shield = deployer.deploy(release("shield", "v2", Map.of()));
        DeployHandle api = deployer.deploy(release("api", "v2", Map.of()));

        assertEquals(new DeployState(Phase.FAILED, "simulated deploy failure"), deployer.status(shield));
        assertEquals(Phase.SUCCEEDED, deployer.status(api).phase());
    }

    @Test
    void aRollbackRestoresWhatRanBeforeAndTheNextDeployFindsItRunning() throws Exception {
        SimulatedDeployer deployer = SimulatedDeployer.builder().duration("api", DURATION).failOnDeploy("api")
                .running("api", "api-v1").build();

        DeployHandle failed = deployer.deploy(release("api", "v2", Map.of()));
        assertEquals("api-v1", failed.previousId());
        assertEquals(Phase.FAILED, awaitEnd(deployer, failed).phase());

        DeployHandle rollback = deployer.rollback(failed);
        assertEquals(new DeployHandle("api", "sim-api-rollback-1", null), rollback);
        assertEquals(new DeployState(Phase.RUNNING, "simulated rollback running"), deployer.status(rollback));
        assertEquals(new DeployState(Phase.SUCCEEDED, "simulated rollback succeeded"), awaitEnd(deployer, rollback));

        assertEquals("api-v1", deployer.deploy(release("api", "v3", Map.of())).previousId());
        assertEquals(2, deployer.deployCount("api"));
        assertEquals(1, deployer.rollbackCount("api"));
    }

    @Test
    void aSucceededDeployIsWhatTheNextOneWouldRestore() throws Exception {
        SimulatedDeployer deployer = SimulatedDeployer.builder().defaultDuration(Duration.ZERO).build();

        DeployHandle first = deployer.deploy(release("api", "v1", Map.of()));
        assertEquals(Phase.SUCCEEDED, deployer.status(first).phase());

        assertEquals(first.id(), deployer.deploy(release("api", "v2", Map.of())).previousId());
    }

    @Test
    void withNothingRunningBeforeARollbackRestoresNothingAndCountsNone() throws Exception {
        SimulatedDeployer deployer = SimulatedDeployer.builder().defaultDuration(Duration.ZERO).build();
        DeployHandle handle = deployer.deploy(release("api", "v1", Map.of()));

        assertNull(deployer.rollback(handle));
        assertEquals(0, deployer.rollbackCount("api"));
        assertEquals(new Call(CallKind.ROLLBACK, "api", null), deployer.calls().get(1));
    }

    @Test
    void aFailingRollbackEndsFailed() throws Exception {
        SimulatedDeployer deployer = SimulatedDeployer.builder().defaultDuration(Duration.ZERO).failOnDeploy("api")
                .failOnRollback("api").running("api", "api-v1").build();

        DeployHandle rollback = deployer.rollback(deployer.deploy(release("api", "v2", Map.of())));

        assertEquals(new DeployState(Phase.FAILED, "simulated rollback failure"), deployer.status(rollback));
    }

    @Test
    void aReleasesSettingsOverrideTheBuilder() throws Exception {
        SimulatedDeployer deployer = SimulatedDeployer.builder().duration("api", Duration.ofHours(1)).build();

        DeployHandle handle = deployer.deploy(release("api", "v2",
                Map.of("duration", "0ms", "failOnDeploy", "true", "running", "api-v1")));

        assertEquals("api-v1", handle.previousId());
        assertEquals(Phase.FAILED, deployer.status(handle).phase());
        DeployerException e = assertThrows(DeployerException.class,
                () -> deployer.deploy(release("api", "v3", Map.of("failOnDeploy", "yes"))));
        assertFalse(e.retryable());
        assertEquals("Simulated settings of service api: setting failOnDeploy must be true or false", e.getMessage());
        assertEquals(1, deployer.deployCount("api"), "a refused deploy triggered nothing");
    }

    @Test
    void anUnknownIdIsFailed() throws Exception {
        SimulatedDeployer deployer = SimulatedDeployer.builder().build();

        assertEquals(new DeployState(Phase.FAILED, "unknown deployment sim-api-v2-1"),
                deployer.status(new DeployHandle("api", "sim-api-v2-1", null)));
    }

    @Test
    void concurrentDeploysAreEachCountedOnceWithTheirOwnIds() throws Exception {
        SimulatedDeployer deployer = SimulatedDeployer.builder().defaultDuration(Duration.ZERO).build();
        List<Callable<DeployHandle>> deploys = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            String service = "svc-" + (i % 4);
            deploys.add(() -> deployer.deploy(release(service, "v1", Map.of())));
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        Set<String> ids = new HashSet<>();
        try {
            for (Future<DeployHandle> handle : pool.invokeAll(deploys)) {
                ids.add(handle.get().id());
            }
        } finally {
            pool.shutdownNow();
        }

        assertEquals(200, ids.size());
        for (int s = 0; s < 4; s++) {
            assertEquals(50, deployer.deployCount("svc-" + s));
        }
        assertEquals(200, deployer.calls().size());
    }

    @Test
    void withAJournalARestartedDeployerAnswersTheStatusOfWhatTheFirstStartedAndCountsItsCalls(@TempDir Path dir)
            throws Exception {
        Path journal = dir.resolve("data/simulated.jsonl");
        SimulatedDeployer killed = SimulatedDeployer.builder().journal(journal).build();
        assertFalse(Files.exists(journal), "a deployer that started nothing has not opened its journal");
        DeployHandle first = killed.deploy(release("api", "v2", Map.of("duration", "300ms", "running", "api-v1",
                "failOnRollback", "true")));

        SimulatedDeployer restarted = SimulatedDeployer.builder().journal(journal).build();
        assertEquals(new DeployState(Phase.RUNNING, "simulated deploy running"), restarted.status(first));
        assertEquals(new DeployState(Phase.SUCCEEDED, "simulated deploy succeeded"), awaitEnd(restarted, first));
        assertEquals(1, restarted.deployCount("api"), "the first process's deploy, counted by the second");

        DeployHandle rollback = restarted.rollback(first);
        assertEquals(new DeployHandle("api", "sim-api-rollback-1", null), rollback);
        assertEquals(Phase.FAILED, awaitEnd(restarted, rollback).phase(), "the deploy's own settings, from the journal");
        DeployHandle next = restarted.deploy(release("api", "v3", Map.of("duration", "0ms")));
        assertEquals(new DeployHandle("api", "sim-api-v3-2", first.id()), next, "numbered on, after what ran");

        assertEquals(List.of(new Call(CallKind.DEPLOY, "api", "sim-api-v2-1"),
                new Call(CallKind.ROLLBACK, "api", "sim-api-rollback-1"), new Call(CallKind.DEPLOY, "api", "sim-api-v3-2")),
                killed.calls(), "each sees the other's deploys and rollbacks");
        assertEquals(3, Files.readAllLines(journal).size());
    }

    @Test
    void aJournalLineLeftUnfinishedByAKilledProcessIsSkippedAndTheNextOneIsWhole(@TempDir Path dir) throws Exception {
        Path journal = dir.resolve("simulated.jsonl");
        SimulatedDeployer killed = SimulatedDeployer.builder().defaultDuration(Duration.ZERO).journal(journal).build();
        DeployHandle first = killed.deploy(release("api", "v1", Map.of()));
        Files.writeString(journal, "{\"call\":\"DEPLOY\",\"service\":\"api\",\"id\":\"sim-a", StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);

        SimulatedDeployer restarted = SimulatedDeployer.builder().defaultDuration(Duration.ZERO).journal(journal).build();
        DeployHandle second = restarted.deploy(release("api", "v2", Map.of()));

        assertEquals("sim-api-v2-2", second.id());
        assertEquals(Phase.SUCCEEDED, SimulatedDeployer.builder().journal(journal).build().status(second).phase());
        assertEquals(Phase.SUCCEEDED, restarted.status(first).phase());
        assertEquals(3, Files.readAllLines(journal).size(), "the unfinished line ended, then the new one");
    }
}
