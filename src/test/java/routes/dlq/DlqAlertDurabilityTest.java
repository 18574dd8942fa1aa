package routes.dlq;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import org.apache.camel.main.Main;
import org.junit.jupiter.api.Test;
import routes.app.PrinteryMain;
import routes.support.Isolation;
import routes.support.RedisServer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The ops alert of dead letters outlives the app: a burst dead-lettered just before a stop is alerted by the next
 * start on the same database, once.
 */
class DlqAlertDurabilityTest {

    @Test
    void aBurstDeadLetteredJustBeforeAStopIsAlertedOnceAfterTheRestart() throws Exception {
        String prefix = "test:dlq-alert:" + UUID.randomUUID();
        Map<String, String> isolated = Isolation.properties(prefix);
        isolated.put("printery.dlq.alert-window", "3s");
        isolated.put("printery.dlq.alert-check-interval", "200");
        Path outbox = Path.of(isolated.get("printery.notify.outbox"));

        Main first = start(isolated);
        RedisClient client = RedisClient.create(RedisServer.shared().url());
        try (StatefulRedisConnection<String, String> redis = client.connect()) {
            for (int i = 0; i < 3; i++) {
                redis.sync().xadd(isolated.get("printery.streams.deployment"), Map.of("type", "deployment:started",
                        "event_id", "poison-" + i, "deployment_id", "d-poison", "correlation_id", "c-poison",
                        "payload", "not a protobuf"));
            }
            DlqStore store = first.getCamelContext().getRegistry().lookupByNameAndType("dlqStore", DlqStore.class);
            awaitTrue("the dead letters stored", Duration.ofSeconds(30),
                    () -> store.list("validator-failures", null, 100).size() == 3);
        } finally {
            client.shutdown();
        }
        first.stop();
        assertTrue(alerts(outbox).isEmpty(), () -> "no alert inside the window: " + alerts(outbox));

        Main second = start(isolated);
        try {
            awaitTrue("the alert after the restart", Duration.ofSeconds(30), () -> !alerts(outbox).isEmpty());
            Thread.sleep(4000); // another window: a second alert for the same burst would come in it
            List<String> alerts = alerts(outbox);
            assertTrue(alerts.stream().allMatch(a -> a.contains(" events were dead-lettered since ")), alerts::toString);
            // One alert, on each ops target (slack-critical and email-ops: both the outbox here).
            assertEquals(2, alerts.size(), alerts::toString);
            assertTrue(alerts.get(0).contains("validator-failures 3"), alerts::toString);
        } finally {
            second.stop();
        }
    }

    private static Main start(Map<String, String> properties) throws Exception {
        Main main = new PrinteryMain();
        properties.forEach(main::addOverrideProperty);
        main.start();
        return main;
    }

    private static List<String> alerts(Path outbox) {
        try {
            return Files.exists(outbox) ? Files.readAllLines(outbox, StandardCharsets.UTF_8).stream()
                    .filter(l -> l.contains("dead-lettered since")).toList() : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void awaitTrue(String what, Duration within, BooleanSupplier condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(100);
        }
        fail("not within " + within + ": " + what);
    }
}
