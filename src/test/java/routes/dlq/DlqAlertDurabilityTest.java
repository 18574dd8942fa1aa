package routes.dlq;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import routes.support.TestApp;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ops alert of dead letters outlives the app: a burst dead-lettered just before a stop is alerted by the next
 * start on the same database, once.
 */
class DlqAlertDurabilityTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void aBurstDeadLetteredJustBeforeAStopIsAlertedOnceAfterTheRestart() throws Exception {
        // Both starts of one builder share its streams, database and outbox.
        TestApp.Builder printery = TestApp.builder().property("printery.dlq.alert-window", "3s")
                .property("printery.dlq.alert-check-interval", "200");
        Path outbox;
        try (TestApp first = printery.start()) {
            outbox = Path.of(first.property("printery.notify.outbox"));
            for (int i = 0; i < 3; i++) {
                first.add(first.streams().deployment(), entry(Map.of("type", "deployment:started", "event_id", "poison-" + i,
                        "deployment_id", "d-poison", "correlation_id", "c-poison", "payload", "not a protobuf")));
            }
            DlqStore store = first.dlq();
            await("the dead letters stored").atMost(WAIT).until(() -> store.list("validator-failures", null, 100).size() == 3);
        }
        assertTrue(alerts(outbox).isEmpty(), () -> "no alert inside the window: " + alerts(outbox));

        try (TestApp second = printery.start()) {
            await("the alert after the restart").atMost(WAIT).until(() -> !alerts(outbox).isEmpty());
            // another window: a second alert for the same burst would come in it
            await("no second alert").during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(5))
                    .until(() -> alerts(outbox).size() <= 2);
            List<String> alerts = alerts(outbox);
            assertTrue(alerts.stream().allMatch(a -> a.contains(" events were dead-lettered since ")), alerts::toString);
            // One alert, on each ops target (slack-critical and email-ops: both the outbox here).
            assertEquals(2, alerts.size(), alerts::toString);
            assertTrue(alerts.get(0).contains("validator-failures 3"), alerts::toString);
        }
    }

    private static Map<byte[], byte[]> entry(Map<String, String> fields) {
        Map<byte[], byte[]> entry = new LinkedHashMap<>();
        fields.forEach((k, v) -> entry.put(k.getBytes(StandardCharsets.UTF_8), v.getBytes(StandardCharsets.UTF_8)));
        return entry;
    }

    private static List<String> alerts(Path outbox) {
        try {
            return Files.exists(outbox) ? Files.readAllLines(outbox, StandardCharsets.UTF_8).stream()
                    .filter(l -> l.contains("dead-lettered since")).toList() : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
