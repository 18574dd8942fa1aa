package routes.cli;

import java.io.PrintWriter;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import routes.deploy.DeploymentRun;
import routes.deploy.RunProgress;
import routes.events.EventTypes;
import routes.events.proto.DeploymentEvent;

/**
 * What a deployment's terminal shows while it runs: a line per step (validation with its checks, each stage, its
 * dependency and health gates, the rollback) that changes as events arrive. On a terminal the lines are redrawn in
 * place with running steps' elapsed time; elsewhere (CI logs, pipes) each event appends a line. No colour: states
 * are words.
 */
final class DeploymentView {

    private final PrintWriter out;
    private final boolean inPlace;
    private final int width;
    private final Map<String, Step> steps = new LinkedHashMap<>();
    private int drawn;

    /** One line of the view and the detail lines under it. */
    private static final class Step {
        final String label;
        String state = "running";
        String detail = "";
        long startedAt;
        long durationMs = -1;
        List<String> details = List.of();

        Step(String label, long startedAt) {
            this.label = label;
            this.startedAt = startedAt;
        }
    }

    /** @param width the terminal's columns: in place, longer lines would wrap and break the redraw */
    DeploymentView(PrintWriter out, boolean inPlace, int width) {
        this.out = out;
        this.inPlace = inPlace;
        this.width = Math.max(40, width);
    }

    /** On a terminal (and not a dumb one): in place, as wide as COLUMNS says. */
    static DeploymentView forTerminal(PrintWriter out) {
        String term = System.getenv("TERM");
        boolean tty = System.console() != null && term != null && !term.equals("dumb");
        int columns = 100;
        try {
            columns = Integer.parseInt(System.getenv().getOrDefault("COLUMNS", "100"));
        } catch (NumberFormatException e) {
            // keep the default
        }
        return new DeploymentView(out, tty, columns);
    }

    void accept(DeploymentEvent event) {
        long at = event.getTimestamp();
        switch (event.getPayloadCase()) {
            case DEPLOYMENT_STARTED -> {
                var started = event.getDeploymentStarted();
                Step step = step("deploy", "deploy", at);
                step.detail = started.getVersion() + " to " + started.getEnvironment() + " (" + started.getStrategy() + ")";
            }
            case VALIDATION_STARTED -> step("validation", "validation", at).detail =
                    String.join(", ", event.getValidationStarted().getChecksList());
            case VALIDATION_COMPLETED -> {
                var completed = event.getValidationCompleted();
                Step step = ended(step("validation", "validation", at), EventTypes.shortStatus(completed.getResult()), completed.getDurationMs());
                step.detail = completed.getChecksCount() + " checks";
                step.details = completed.getChecksList().stream().map(check -> check.getName()
                        + (check.getService().isEmpty() ? "" : " " + check.getService()) + " " + EventTypes.shortStatus(check.getResult())
                        + (check.getMessage().isEmpty() ? "" : ": " + check.getMessage())).toList();
            }
            case STAGE_STARTED -> step("stage:" + event.getStageStarted().getStage(),
                    "stage " + event.getStageStarted().getStage(), at).detail =
                    String.join(", ", event.getStageStarted().getServicesList());
            case STAGE_COMPLETED -> {
                var completed = event.getStageCompleted();
                Step step = ended(step("stage:" + completed.getStage(), "stage " + completed.getStage(), at),
                        EventTypes.shortStatus(completed.getStatus()), completed.getDurationMs());
                if (!completed.getErrorMessage().isEmpty()) {
                    step.detail = completed.getErrorMessage();
                }
            }
            case DEPENDENCY_CHECK_STARTED -> step("dependency:" + event.getDependencyCheckStarted().getStage(),
                    "  dependencies", at).detail = String.join(", ", event.getDependencyCheckStarted().getServicesList());
            case DEPENDENCY_CHECK_COMPLETED -> {
                var completed = event.getDependencyCheckCompleted();
                Step step = ended(step("dependency:" + completed.getStage(), "  dependencies", at),
                        EventTypes.shortStatus(completed.getResult()), completed.getDurationMs());
                step.details = completed.getDependenciesList().stream().filter(d -> !EventTypes.shortStatus(d.getStatus()).equals("HEALTHY"))
                        .map(d -> d.getService() + " -> " + d.getDependency() + " " + EventTypes.shortStatus(d.getStatus())
                                + (d.getErrorMessage().isEmpty() ? "" : ": " + d.getErrorMessage())).toList();
            }
            case HEALTH_CHECK_STARTED -> {
                var started = event.getHealthCheckStarted();
                step("health:" + started.getStage(), "  health", at).detail = "watching "
                        + String.join(", ", started.getServicesList()) + " for " + seconds(started.getWindowMs());
            }
            case HEALTH_CHECK_COMPLETED -> {
                var completed = event.getHealthCheckCompleted();
                Step step = ended(step("health:" + completed.getStage(), "  health", at),
                        EventTypes.shortStatus(completed.getOverallStatus()), completed.getDurationMs());
                if (!completed.getRollbackReason().isEmpty()) {
                    step.detail = completed.getRollbackReason();
                }
                step.details = completed.getServicesList().stream()
                        .map(s -> s.getService() + " " + EventTypes.shortStatus(s.getStatus())).toList();
            }
            case ROLLBACK_INITIATED -> {
                var initiated = event.getRollbackInitiated();
                step("rollback", "rollback", at).detail = String.join(", ", initiated.getStagesToRollbackList())
                        + ": " + initiated.getReason();
            }
            case ROLLBACK_COMPLETED -> {
                var completed = event.getRollbackCompleted();
                Step step = ended(step("rollback", "rollback", at), EventTypes.shortStatus(completed.getStatus()), completed.getDurationMs());
                step.detail = completed.getErrorMessage().isEmpty() ? String.join(", ", completed.getRolledBackServicesList())
                        : completed.getErrorMessage();
            }
            case DEPLOYMENT_COMPLETED -> ended(step("deploy", "deploy", at),
                    EventTypes.shortStatus(event.getDeploymentCompleted().getStatus()), event.getDeploymentCompleted().getTotalDurationMs());
            case DEPLOYMENT_FAILED -> {
                var failed = event.getDeploymentFailed();
                Step step = step("deploy", "deploy", at);
                step.state = failed.getStatus().getNumber() == 0 ? "FAILURE" : EventTypes.shortStatus(failed.getStatus());
                step.durationMs = Math.max(0, at - step.startedAt);
                step.detail = failed.getReason();
            }
            default -> {
                return;
            }
        }
        if (!inPlace) {
            out.println(LocalTime.now(ZoneId.systemDefault()).truncatedTo(ChronoUnit.SECONDS) + " " + event.getType()
                    + plainDetail(event));
            String key = keyOf(event);
            if (key != null && (event.getPayloadCase() == DeploymentEvent.PayloadCase.VALIDATION_COMPLETED
                    || event.getPayloadCase() == DeploymentEvent.PayloadCase.DEPENDENCY_CHECK_COMPLETED
                    || event.getPayloadCase() == DeploymentEvent.PayloadCase.HEALTH_CHECK_COMPLETED)) {
                steps.get(key).details.forEach(line -> out.println("           " + line));
            }
            out.flush();
        }
    }

    /** In place: the steps again, running ones with their elapsed time. */
    void redraw(Instant now) {
        if (!inPlace) {
            return;
        }
        List<String> lines = new ArrayList<>();
        for (Step step : steps.values()) {
            long ms = step.durationMs >= 0 ? step.durationMs : Math.max(0, now.toEpochMilli() - step.startedAt);
            lines.add(String.format(Locale.ROOT, "%-16s %-12s %8s  %s", step.label, step.state, seconds(ms), step.detail));
            step.details.forEach(detail -> lines.add("                   " + detail));
        }
        StringBuilder frame = new StringBuilder();
        if (drawn > 0) {
            frame.append("\033[").append(drawn).append('F');
        }
        for (String line : lines) {
            frame.append("\033[2K").append(line.length() < width ? line : line.substring(0, width - 1)).append('\n');
        }
        for (int i = lines.size(); i < drawn; i++) {
            frame.append("\033[2K\n");
        }
        drawn = Math.max(drawn, lines.size());
        out.print(frame);
        out.flush();
    }

    /** The end: durations per stage from the stored run, where its record is, then the status line. */
    void summary(DeploymentRun run, String recordUrl) {
        RunProgress progress = RunProgress.of(run.progress());
        out.println("summary:");
        if (progress.validation != null) {
            out.printf("  %-14s %s%n", "validation", EventTypes.shortStatus(progress.validation));
        }
        for (RunProgress.StageProgress stage : progress.stages) {
            if (stage.startedAt == 0) {
                continue;
            }
            long ms = stage.finishedAt > 0 ? stage.finishedAt - stage.startedAt : 0;
            String outcome = stage.error != null ? "FAILURE: " + stage.error
                    : stage.finishedAt > 0 ? "deployed" + (stage.health == null ? "" : ", health " + EventTypes.shortStatus(stage.health))
                    + (stage.dependency == null ? "" : ", dependencies " + EventTypes.shortStatus(stage.dependency)) : "not finished";
            out.printf(Locale.ROOT, "  %-14s %8s  %s%s%n", stage.name, seconds(ms), outcome,
                    stage.warning == null ? "" : " (warning: " + stage.warning + ")");
        }
        if (progress.rollbackReason != null) {
            out.printf("  %-14s %s%n", "rollback", progress.rollbackReason);
        }
        if (run.finishedAt() != null) {
            out.printf(Locale.ROOT, "  %-14s %8s%n", "total", seconds(run.finishedAt().toEpochMilli() - run.startedAt().toEpochMilli()));
        }
        if (recordUrl != null) {
            out.println("record: " + recordUrl);
        }
        out.printf("%s: %s%s%n", run.id(), run.phase(), run.error() == null ? "" : " (" + run.error() + ")");
        out.flush();
    }

    private Step step(String key, String label, long at) {
        return steps.computeIfAbsent(key, k -> new Step(label, at));
    }

    private static Step ended(Step step, String state, long durationMs) {
        step.state = state;
        step.durationMs = durationMs;
        return step;
    }

    private static String keyOf(DeploymentEvent event) {
        return switch (event.getPayloadCase()) {
            case VALIDATION_COMPLETED -> "validation";
            case DEPENDENCY_CHECK_COMPLETED -> "dependency:" + event.getDependencyCheckCompleted().getStage();
            case HEALTH_CHECK_COMPLETED -> "health:" + event.getHealthCheckCompleted().getStage();
            default -> null;
        };
    }

    private static String plainDetail(DeploymentEvent event) {
        return switch (event.getPayloadCase()) {
            case STAGE_COMPLETED -> " " + EventTypes.shortStatus(event.getStageCompleted().getStatus()) + " in "
                    + event.getStageCompleted().getDurationMs() + " ms" + (event.getStageCompleted().getErrorMessage().isEmpty()
                    ? "" : ": " + event.getStageCompleted().getErrorMessage());
            case VALIDATION_COMPLETED -> " " + EventTypes.shortStatus(event.getValidationCompleted().getResult());
            case DEPENDENCY_CHECK_COMPLETED -> " " + EventTypes.shortStatus(event.getDependencyCheckCompleted().getResult());
            case HEALTH_CHECK_COMPLETED -> " " + EventTypes.shortStatus(event.getHealthCheckCompleted().getOverallStatus());
            case ROLLBACK_INITIATED -> " " + event.getRollbackInitiated().getReason();
            case ROLLBACK_COMPLETED -> " " + EventTypes.shortStatus(event.getRollbackCompleted().getStatus()) + ": "
                    + String.join(", ", event.getRollbackCompleted().getRolledBackServicesList());
            case DEPLOYMENT_FAILED -> " " + EventTypes.shortStatus(event.getDeploymentFailed().getStatus()) + ": "
                    + event.getDeploymentFailed().getReason();
            case DEPLOYMENT_COMPLETED -> " in " + event.getDeploymentCompleted().getTotalDurationMs() + " ms";
            default -> "";
        };
    }

    private static String seconds(long ms) {
        return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }
}
