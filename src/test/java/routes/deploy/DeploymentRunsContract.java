package routes.deploy;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.zaxxer.hikari.HikariDataSource;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import routes.db.DatabaseConfiguration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The orchestrator's store, asserted identically on every database Printery supports: compare-and-set transitions,
 * final terminal states, one deployment per environment, leases that run out.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class DeploymentRunsContract {

    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MILLIS);

    private DefaultCamelContext camel;
    private HikariDataSource dataSource;
    private DeploymentRuns runs;

    protected abstract String createDatabase() throws Exception;

    protected abstract void dropDatabase() throws Exception;

    protected abstract String user();

    @BeforeAll
    void open() throws Exception {
        String url = createDatabase();
        camel = new DefaultCamelContext();
        camel.start();
        // The app's own pool and migration; a started context migrates at once.
        dataSource = new DatabaseConfiguration().printeryDataSource(camel, url, user(), "", 8, 5000);
        runs = new DeploymentRuns(dataSource);
    }

    @AfterAll
    void close() throws Exception {
        try {
            if (dataSource != null) {
                dataSource.close();
            }
            if (camel != null) {
                camel.close();
            }
        } finally {
            dropDatabase();
        }
    }

    private static DeploymentRun pending(String environment) {
        return DeploymentRun.pending("d-" + UUID.randomUUID(), "c-1", "v1.2.3", environment, "rolling",
                List.of("api", "web"), "ops@host", NOW);
    }

    private static String environment() {
        return "env-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void aCreatedRunReadsBackWhole() {
        DeploymentRun run = runs.create(pending(environment()));
        DeploymentRun read = runs.find(run.id()).orElseThrow();
        assertEquals(run, read);
        assertEquals(List.of("api", "web"), read.services());
    }

    @Test
    void aSecondDeploymentToALockedEnvironmentIsRefusedNamingTheRunningOne() {
        String environment = environment();
        DeploymentRun first = runs.create(pending(environment));
        EnvironmentLockedException refused = assertThrows(EnvironmentLockedException.class,
                () -> runs.create(pending(environment)));
        assertEquals(first.id(), refused.runningDeployment());
        assertTrue(refused.getMessage().contains(first.id()), refused.getMessage());
        runs.create(pending(environment())); // another environment is free
    }

    @Test
    void anEndedDeploymentFreesItsEnvironment() {
        String environment = environment();
        DeploymentRun first = runs.create(pending(environment));
        runs.update(first, first.moved(RunPhase.COMPLETED, 2, null, NOW.plusSeconds(5))).orElseThrow();
        assertEquals(Optional.empty(), runs.lockHolder(environment));
        DeploymentRun second = runs.create(pending(environment));
        assertEquals(Optional.of(second.id()), runs.lockHolder(environment));
    }

    @Test
    void aStaleRevisionChangesNothing() {
        DeploymentRun run = runs.create(pending(environment()));
        DeploymentRun validating = runs.update(run, run.moved(RunPhase.VALIDATING, 0, NOW.plusSeconds(60), NOW)).orElseThrow();
        assertEquals(1, validating.revision());
        // A duplicate of the event that moved it, handled from the revision it saw.
        assertEquals(Optional.empty(), runs.update(run, run.moved(RunPhase.DEPLOYING, 0, null, NOW)));
        assertEquals(RunPhase.VALIDATING, runs.find(run.id()).orElseThrow().phase());
    }

    @Test
    void anEndedRunIsNeverMovedAgain() {
        DeploymentRun run = runs.create(pending(environment()));
        DeploymentRun done = runs.update(run, run.moved(RunPhase.COMPLETED, 2, null, NOW)).orElseThrow();
        assertEquals(Optional.empty(), runs.update(done, done.moved(RunPhase.DEPLOYING, 1, null, NOW)));
        assertEquals(RunPhase.COMPLETED, runs.find(run.id()).orElseThrow().phase());
        assertTrue(runs.find(run.id()).orElseThrow().finishedAt() != null);
    }

    @Test
    void concurrentDeploymentsToOneEnvironmentLetExactlyOneRun() throws Exception {
        String environment = environment();
        int contenders = 6;
        ExecutorService pool = Executors.newFixedThreadPool(contenders);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Boolean>> outcomes = new ArrayList<>();
        for (int i = 0; i < contenders; i++) {
            Callable<Boolean> attempt = () -> {
                go.await();
                try {
                    runs.create(pending(environment));
                    return true;
                } catch (EnvironmentLockedException e) {
                    return false;
                }
            };
            outcomes.add(pool.submit(attempt));
        }
        go.countDown();
        int created = 0;
        for (Future<Boolean> outcome : outcomes) {
            created += outcome.get() ? 1 : 0;
        }
        pool.shutdown();
        assertEquals(1, created, "one deployment per environment");
    }

    @Test
    void aRunWhoseLeaseRanOutIsOfferedAgain() {
        DeploymentRun run = runs.create(pending(environment()));
        Instant later = NOW.plus(Duration.ofHours(1));
        DeploymentRun leased = runs.update(run, new DeploymentRun(run.id(), run.correlationId(), run.version(),
                run.environment(), run.strategy(), run.services(), run.actor(), RunPhase.DEPLOYING, 0, null, false,
                "{}", null, run.startedAt(), later, null, "instance-a", later.plusSeconds(10), 1, run.revision())).orElseThrow();
        assertFalse(runs.unleased(later, 1000).stream().anyMatch(r -> r.id().equals(run.id())), "held by instance-a");
        assertTrue(runs.unleased(later.plusSeconds(11), 1000).stream().anyMatch(r -> r.id().equals(leased.id())),
                "instance-a's lease ran out");
    }
}
