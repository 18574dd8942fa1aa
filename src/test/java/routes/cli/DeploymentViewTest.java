package routes.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import routes.events.proto.DeploymentEvent;
import routes.events.proto.DeploymentStageCompletedEvent;
import routes.events.proto.DeploymentStageStartedEvent;
import routes.events.proto.DeploymentStatus;
import routes.events.proto.ValidationCheckResult;
import routes.events.proto.ValidationCompletedEvent;
import routes.events.proto.ValidationResult;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeploymentViewTest {

    private static final long T0 = 1_700_000_000_000L;

    @Test
    void onATerminalTheStepsAreRedrawnInPlaceWithTheRunningStepsElapsedTime() {
        StringWriter text = new StringWriter();
        DeploymentView view = new DeploymentView(new PrintWriter(text), true, 60);
        view.accept(validation(T0 + 400));
        view.accept(stageStarted("vercel", T0 + 500));
        view.redraw(Instant.ofEpochMilli(T0 + 2_500));
        String first = text.toString();
        assertFalse(first.contains("\033[3F"), "nothing drawn before: no move up");
        assertTrue(first.contains("validation       PASSED"), first);
        assertTrue(first.contains("stage vercel     running         2.0 s  canvas, office"), first);

        text.getBuffer().setLength(0);
        view.accept(stageCompleted("vercel", T0 + 2_600, 2_100));
        view.redraw(Instant.ofEpochMilli(T0 + 9_000));
        String second = text.toString();
        // Up over the three lines drawn (validation, its check, the stage), each redrawn after a line clear.
        assertTrue(second.startsWith("\033[3F\033[2K"), second);
        assertTrue(second.contains("stage vercel     SUCCESS         2.1 s"), second);
        assertEquals(3, second.split("\033\\[2K", -1).length - 1, second);
        for (String line : second.split("\n")) {
            assertTrue(line.replaceAll("\033\\[\\d*[A-Z]", "").length() < 60, () -> "wider than the terminal: " + line);
        }
    }

    @Test
    void elsewhereEachEventAppendsALineAndChecksFollowTheValidation() {
        StringWriter text = new StringWriter();
        DeploymentView view = new DeploymentView(new PrintWriter(text), false, 100);
        view.accept(validation(T0));
        view.accept(stageStarted("vercel", T0 + 1));
        view.accept(stageCompleted("vercel", T0 + 2, 1_500));
        view.redraw(Instant.ofEpochMilli(T0 + 5));
        String[] lines = text.toString().split("\n");
        assertEquals(4, lines.length, text.toString());
        assertTrue(lines[0].endsWith(" validation:completed PASSED"), lines[0]);
        assertTrue(lines[1].endsWith("images_exist PASSED: all found"), lines[1]);
        assertTrue(lines[2].endsWith(" deployment:stage:vercel:started"), lines[2]);
        assertTrue(lines[3].endsWith(" deployment:stage:vercel:completed SUCCESS in 1500 ms"), lines[3]);
        assertFalse(text.toString().contains("\033"), "no escape codes in a log");
    }

    private static DeploymentEvent validation(long at) {
        return event("validation:completed", at).setValidationCompleted(ValidationCompletedEvent.newBuilder()
                .setResult(ValidationResult.VALIDATION_RESULT_PASSED).setDurationMs(400)
                .addChecks(ValidationCheckResult.newBuilder().setName("images_exist")
                        .setResult(ValidationResult.VALIDATION_RESULT_PASSED).setMessage("all found"))).build();
    }

    private static DeploymentEvent stageStarted(String stage, long at) {
        return event("deployment:stage:" + stage + ":started", at).setStageStarted(DeploymentStageStartedEvent.newBuilder()
                .setStage(stage).addServices("canvas").addServices("office")).build();
    }

    private static DeploymentEvent stageCompleted(String stage, long at, long ms) {
        return event("deployment:stage:" + stage + ":completed", at).setStageCompleted(DeploymentStageCompletedEvent
                .newBuilder().setStage(stage).setStatus(DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS).setDurationMs(ms)).build();
    }

    private static DeploymentEvent.Builder event(String type, long at) {
        return DeploymentEvent.newBuilder().setType(type).setEventId("e-" + at).setDeploymentId("d-1")
                .setCorrelationId("d-1").setTimestamp(at);
    }
}
