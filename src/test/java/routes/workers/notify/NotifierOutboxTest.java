package routes.workers.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import routes.events.proto.DeploymentFailedEvent;
import routes.support.TestApp;

/** No Slack, no SMTP, no PagerDuty: notifications land in the outbox file. */
class NotifierOutboxTest {

    @TempDir
    static Path dir;

    private static TestApp app;
    private static Path outbox;

    @BeforeAll
    static void start() throws Exception {
        outbox = dir.resolve("nested/outbox.log");
        // the notifier alone: the other workers' results on the test's events would be notified too
        app = TestApp.builder().without("validator", "dependency-checker", "health-monitor").shortRetries()
                .property("printery.dlq.alert-window", "1s").property("printery.notify.outbox", outbox.toString()).start();
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
    }

    @Test
    void unconfiguredChannelsGoToTheOutboxOncePerChannel() throws Exception {
        String deployment = "dep-" + UUID.randomUUID();
        app.awaitProcessed(app.streams().deployment(), "printery-notifier", app.publisher().publishDeploymentFailed(deployment, "corr-9",
                DeploymentFailedEvent.newBuilder().setReason("migration failed").setFailedStage("railway")
                        .setVersion("3.1.0").setEnvironment("production").build()));

        List<String> lines = Files.readAllLines(outbox).stream().filter(l -> l.contains(deployment)).toList();
        assertEquals(2, lines.size(), "#materi-critical and on-call email; no PagerDuty key, no thread: " + lines);
        assertTrue(lines.stream().anyMatch(l -> l.contains(" slack:#materi-critical Deployment failed")), lines.toString());
        assertTrue(lines.stream().anyMatch(l -> l.contains(" email:materi-oncall@materi.dev Deployment failed")), lines.toString());
        for (String field : List.of("version=3.1.0", "environment=production", "status=FAILURE", "stage=railway",
                "error=migration failed", "correlation=corr-9", "duration=-")) {
            assertTrue(lines.get(0).contains(field), field + " in " + lines.get(0));
        }
    }
}
