package routes.workers.notify;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

import org.apache.camel.Header;
import routes.events.InvalidEventException;
import routes.events.proto.DeploymentEvent;
import routes.events.proto.DeploymentStatus;
import routes.events.proto.HealthStatus;
import routes.events.proto.ValidationCheckResult;
import routes.events.proto.ValidationResult;

/**
 * Turns deployment events into notifications. Which kinds of event go where is not decided here: routes.yaml
 * looks up the targets of {@link #classify the event's kind} in printery.notify.rule.* and passes them to
 * {@link #route}; this class only formats and resolves the targets to the configured sinks.
 */
public class Notifier {

    /** Header routes.yaml fills with the comma-separated targets of the event's kind. */
    public static final String TARGETS_HEADER = "PrinteryNotifyTargets";

    private final NotifierSinks sinks;

    public Notifier(NotifierSinks sinks) {
        this.sinks = sinks;
    }

    /**
     * The routing kind of an event: what happened and how it ended, e.g. deployment-started, stage-failed,
     * validation-failed, health-inconclusive. Kinds without a rule are not notified.
     */
    public String classify(DeploymentEvent event) {
        return switch (event.getPayloadCase()) {
            case DEPLOYMENT_STARTED -> "deployment-started";
            case STAGE_STARTED -> "stage-started";
            case STAGE_COMPLETED -> event.getStageCompleted().getStatus() == DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS
                    ? "stage-completed" : "stage-failed";
            case DEPLOYMENT_COMPLETED -> event.getDeploymentCompleted().getStatus() == DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS
                    ? "deployment-completed" : "deployment-completed-unsuccessful";
            case DEPLOYMENT_FAILED -> "deployment-failed";
            case ROLLBACK_INITIATED -> "rollback-initiated";
            case ROLLBACK_COMPLETED -> "rollback-completed";
            case VALIDATION_STARTED -> "validation-started";
            case VALIDATION_COMPLETED -> switch (event.getValidationCompleted().getResult()) {
                case VALIDATION_RESULT_PASSED -> "validation-passed";
                case VALIDATION_RESULT_WARNINGS -> "validation-warnings";
                default -> "validation-failed";
            };
            case DEPENDENCY_CHECK_STARTED -> "dependency-check-started";
            case DEPENDENCY_CHECK_COMPLETED -> switch (event.getDependencyCheckCompleted().getResult()) {
                case DEPENDENCY_CHECK_RESULT_ALL_HEALTHY -> "dependency-healthy";
                case DEPENDENCY_CHECK_RESULT_SOME_DEGRADED -> "dependency-degraded";
                default -> "dependency-failed";
            };
            case HEALTH_CHECK_STARTED -> "health-check-started";
            case HEALTH_CHECK_COMPLETED -> switch (event.getHealthCheckCompleted().getOverallStatus()) {
                case HEALTH_STATUS_HEALTHY -> "health-healthy";
                case HEALTH_STATUS_DEGRADED -> "health-degraded";
                case HEALTH_STATUS_INCONCLUSIVE -> "health-inconclusive";
                default -> "health-failed";
            };
            case PAYLOAD_NOT_SET -> throw new InvalidEventException("event " + event.getEventId() + " has no payload");
        };
    }

    /** One notification per distinct channel the targets resolve to; none when the kind has no targets. */
    public List<Notification> route(DeploymentEvent event, @Header(TARGETS_HEADER) String targets) {
        return resolve(targets, format(event));
    }

    /** The ops alert contract: a title and a text, to the targets of printery.notify.rule.ops-alert. */
    public List<Notification> alert(@Header("PrinteryAlertTitle") String title, String text,
                                    @Header(TARGETS_HEADER) String targets) {
        String heading = title == null || title.isBlank() ? "Printery alert" : title;
        NotifierMessage message = new NotifierMessage("ops-alert", heading, true, "ops-alert", "", "", "", "", "", "",
                -1, text == null ? "" : text, "");
        return resolve(targets, message);
    }

    /** What the event says, in the fields every message carries. */
    public NotifierMessage format(DeploymentEvent event) {
        String kind = classify(event);
        MessageBuilder m = new MessageBuilder(kind, event);
        switch (event.getPayloadCase()) {
            case DEPLOYMENT_STARTED -> {
                var p = event.getDeploymentStarted();
                m.title("Deployment started").version(p.getVersion()).environment(p.getEnvironment()).status("RUNNING");
            }
            case STAGE_STARTED -> {
                var p = event.getStageStarted();
                m.title("Stage " + p.getStage() + " started").version(p.getVersion()).stage(p.getStage()).status("RUNNING");
            }
            case STAGE_COMPLETED -> {
                var p = event.getStageCompleted();
                m.title("Stage " + p.getStage() + (kind.equals("stage-completed") ? " completed" : " failed"))
                        .version(p.getVersion()).environment(p.getEnvironment()).stage(p.getStage())
                        .status(name(p.getStatus())).duration(p.getDurationMs()).error(p.getErrorMessage());
            }
            case DEPLOYMENT_COMPLETED -> {
                var p = event.getDeploymentCompleted();
                m.title(kind.equals("deployment-completed") ? "Deployment completed" : "Deployment ended " + name(p.getStatus()))
                        .version(p.getVersion()).environment(p.getEnvironment()).status(name(p.getStatus()))
                        .duration(p.getTotalDurationMs()).error(p.getErrorMessage());
            }
            case DEPLOYMENT_FAILED -> {
                var p = event.getDeploymentFailed();
                m.title("Deployment failed").version(p.getVersion()).environment(p.getEnvironment()).status("FAILURE")
                        .stage(p.getFailedStage()).error(join(p.getReason(), p.getErrorDetails()));
            }
            case ROLLBACK_INITIATED -> {
                var p = event.getRollbackInitiated();
                m.title("Rollback initiated to " + p.getPreviousVersion()).version(p.getFailedVersion())
                        .environment(p.getEnvironment()).status("ROLLING_BACK")
                        .stage(String.join(",", p.getStagesToRollbackList())).error(p.getReason());
            }
            case ROLLBACK_COMPLETED -> {
                var p = event.getRollbackCompleted();
                m.title("Rollback completed").version(p.getRestoredVersion()).environment(p.getEnvironment())
                        .status(name(p.getStatus())).duration(p.getDurationMs()).error(p.getErrorMessage());
            }
            case VALIDATION_STARTED -> {
                var p = event.getValidationStarted();
                m.title("Validation started").version(p.getVersion()).environment(p.getEnvironment()).status("RUNNING");
            }
            case VALIDATION_COMPLETED -> {
                var p = event.getValidationCompleted();
                m.title("Validation " + name(p.getResult()).toLowerCase(Locale.ROOT)).version(p.getVersion())
                        .environment(p.getEnvironment()).status(name(p.getResult())).duration(p.getDurationMs())
                        .error(p.getChecksList().stream().filter(c -> c.getResult() != ValidationResult.VALIDATION_RESULT_PASSED)
                                .map(Notifier::describe).collect(Collectors.joining("; ")));
            }
            case DEPENDENCY_CHECK_STARTED -> {
                var p = event.getDependencyCheckStarted();
                m.title("Dependency check started").stage(p.getStage()).status("RUNNING");
            }
            case DEPENDENCY_CHECK_COMPLETED -> {
                var p = event.getDependencyCheckCompleted();
                m.title("Dependency check " + name(p.getResult())).stage(p.getStage()).status(name(p.getResult()))
                        .duration(p.getDurationMs())
                        .error(p.getDependenciesList().stream()
                                .filter(d -> d.getStatus() != HealthStatus.HEALTH_STATUS_HEALTHY)
                                .map(d -> d.getService() + " -> " + d.getDependency() + " " + name(d.getStatus())
                                        + (d.getErrorMessage().isEmpty() ? "" : ": " + d.getErrorMessage()))
                                .collect(Collectors.joining("; ")));
            }
            case HEALTH_CHECK_STARTED -> {
                var p = event.getHealthCheckStarted();
                m.title("Health check started").stage(p.getStage()).status("RUNNING");
            }
            case HEALTH_CHECK_COMPLETED -> {
                var p = event.getHealthCheckCompleted();
                String unhealthy = p.getServicesList().stream()
                        .filter(s -> s.getStatus() != HealthStatus.HEALTH_STATUS_HEALTHY)
                        .map(s -> s.getService() + " " + name(s.getStatus()) + (s.getReason().isEmpty() ? "" : ": " + s.getReason()))
                        .collect(Collectors.joining("; "));
                m.title("Health check " + name(p.getOverallStatus())).stage(p.getStage()).status(name(p.getOverallStatus()))
                        .duration(p.getDurationMs()).error(join(p.getRollbackReason(), unhealthy));
            }
            case PAYLOAD_NOT_SET -> throw new InvalidEventException("event " + event.getEventId() + " has no payload");
        }
        return m.build();
    }

    private List<Notification> resolve(String targets, NotifierMessage message) {
        Map<String, Notification> byChannel = new LinkedHashMap<>();
        if (targets == null) {
            return List.of();
        }
        for (String target : Arrays.stream(targets.split(",")).map(String::trim).filter(t -> !t.isEmpty()).toList()) {
            Notification notification = sinks.resolve(target, message);
            // slack-deployments and slack-thread name the same thread: one post, not two
            if (notification != null) {
                byChannel.merge(notification.getChannel(), notification,
                        (first, second) -> first.isThreaded() ? first : second);
            }
        }
        return new ArrayList<>(byChannel.values());
    }

    private static String describe(ValidationCheckResult check) {
        return check.getName() + (check.getService().isEmpty() ? "" : "[" + check.getService() + "]") + " "
                + name(check.getResult()) + (check.getMessage().isEmpty() ? "" : ": " + check.getMessage());
    }

    /** DEPLOYMENT_STATUS_SUCCESS -> SUCCESS, HEALTH_STATUS_UNHEALTHY -> UNHEALTHY. */
    private static String name(Enum<?> value) {
        return value.name().replaceFirst("^(DEPLOYMENT_STATUS|VALIDATION_RESULT|DEPENDENCY_CHECK_RESULT|HEALTH_STATUS)_", "");
    }

    private static String join(String first, String second) {
        if (first.isEmpty()) {
            return second;
        }
        return second.isEmpty() ? first : first + ": " + second;
    }

    private static final class MessageBuilder {
        private final String kind;
        private final DeploymentEvent event;
        private String title = "";
        private String version = "";
        private String environment = "";
        private String status = "";
        private String stage = "";
        private long durationMs = -1;
        private String error = "";

        MessageBuilder(String kind, DeploymentEvent event) {
            this.kind = kind;
            this.event = event;
        }

        MessageBuilder title(String value) { title = value; return this; }
        MessageBuilder version(String value) { version = value; return this; }
        MessageBuilder environment(String value) { environment = value; return this; }
        MessageBuilder status(String value) { status = value; return this; }
        MessageBuilder stage(String value) { stage = value; return this; }
        MessageBuilder duration(long value) { durationMs = value; return this; }
        MessageBuilder error(String value) { error = value; return this; }

        NotifierMessage build() {
            boolean critical = kind.endsWith("-failed") || kind.endsWith("-unsuccessful") || kind.startsWith("rollback-")
                    || kind.endsWith("-degraded");
            return new NotifierMessage(kind, title, critical, event.getType(), event.getEventId(), event.getDeploymentId(),
                    version, environment, status, stage, durationMs, error, event.getCorrelationId());
        }
    }
}
