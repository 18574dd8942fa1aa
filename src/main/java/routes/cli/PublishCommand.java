package routes.cli;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import routes.events.EventPublisher;
import routes.events.EventTypes;
import routes.events.proto.DependencyCheckCompletedEvent;
import routes.events.proto.DependencyCheckResult;
import routes.events.proto.DependencyCheckStartedEvent;
import routes.events.proto.DeploymentCompletedEvent;
import routes.events.proto.DeploymentEvent;
import routes.events.proto.DeploymentFailedEvent;
import routes.events.proto.DeploymentStageCompletedEvent;
import routes.events.proto.DeploymentStageStartedEvent;
import routes.events.proto.DeploymentStartedEvent;
import routes.events.proto.DeploymentStatus;
import routes.events.proto.HealthCheckCompletedEvent;
import routes.events.proto.HealthCheckStartedEvent;
import routes.events.proto.HealthStatus;
import routes.events.proto.RollbackCompletedEvent;
import routes.events.proto.RollbackInitiatedEvent;
import routes.events.proto.ValidationCompletedEvent;
import routes.events.proto.ValidationResult;
import routes.events.proto.ValidationStartedEvent;

/** {@code printery publish <type> --deployment-id ID [...]}: builds one event from flags and prints its entry id. */
public final class PublishCommand {

    private final Args args;

    public PublishCommand(Args args) {
        this.args = args;
    }

    public int run(PrintStream out) throws Exception {
        if (args.positional().size() != 1) {
            throw new Args.UsageException("expected one event type, e.g. deployment:started");
        }
        DeploymentEvent event = build(args.positional().get(0));
        try (CliContext cli = new CliContext()) {
            out.println(cli.bean("eventPublisher", EventPublisher.class).publish(event));
        }
        return 0;
    }

    /** The event a command line describes; envelope fields left empty are filled by the publisher. */
    DeploymentEvent build(String type) {
        if (!EventTypes.isKnown(type)) {
            throw new Args.UsageException("unknown event type '" + type + "'; known: " + EventTypes.FIXED
                    + " and deployment:stage:<stage>:started|completed");
        }
        DeploymentEvent.Builder event = DeploymentEvent.newBuilder().setType(type)
                .setDeploymentId(args.require("deployment-id"))
                .setCorrelationId(args.get("correlation-id", ""));
        String version = args.get("version", "");
        String environment = args.get("environment", "");
        List<String> services = services();
        String stage = EventTypes.stageOf(type) != null ? EventTypes.stageOf(type) : args.get("stage", "");
        long duration = args.number("duration-ms", 0);
        String error = args.get("error", "");
        String reason = args.get("reason", "");
        switch (EventTypes.payloadOf(type)) {
            case DEPLOYMENT_STARTED -> event.setDeploymentStarted(DeploymentStartedEvent.newBuilder().setVersion(version)
                    .setEnvironment(environment).setStrategy(args.get("strategy", "rolling")).addAllServices(services)
                    .setPreviousVersion(args.get("previous-version", "")));
            case STAGE_STARTED -> event.setStageStarted(DeploymentStageStartedEvent.newBuilder().setStage(stage)
                    .setVersion(version).setDescription(args.get("description", "")).addAllServices(services));
            case STAGE_COMPLETED -> event.setStageCompleted(DeploymentStageCompletedEvent.newBuilder().setStage(stage)
                    .setStatus(status(DeploymentStatus.class, "DEPLOYMENT_STATUS_", "success")).setDurationMs(duration)
                    .setErrorMessage(error).addAllServices(services).setVersion(version).setEnvironment(environment));
            case DEPLOYMENT_COMPLETED -> event.setDeploymentCompleted(DeploymentCompletedEvent.newBuilder()
                    .setStatus(status(DeploymentStatus.class, "DEPLOYMENT_STATUS_", "success")).setTotalDurationMs(duration)
                    .setErrorMessage(error).setVersion(version).setEnvironment(environment));
            case DEPLOYMENT_FAILED -> event.setDeploymentFailed(DeploymentFailedEvent.newBuilder().setReason(reason)
                    .setFailedStage(stage).setErrorDetails(error).setVersion(version).setEnvironment(environment));
            case ROLLBACK_INITIATED -> event.setRollbackInitiated(RollbackInitiatedEvent.newBuilder()
                    .setPreviousVersion(args.get("previous-version", "")).setReason(reason)
                    .addAllStagesToRollback(list(args.get("stages", stage))).setFailedVersion(version).setEnvironment(environment));
            case ROLLBACK_COMPLETED -> event.setRollbackCompleted(RollbackCompletedEvent.newBuilder()
                    .setStatus(status(DeploymentStatus.class, "DEPLOYMENT_STATUS_", "success"))
                    .setRestoredVersion(args.get("previous-version", version)).setDurationMs(duration)
                    .addAllRolledBackServices(services).setErrorMessage(error).setEnvironment(environment));
            case VALIDATION_STARTED -> event.setValidationStarted(ValidationStartedEvent.newBuilder()
                    .addAllServices(services).setVersion(version).setEnvironment(environment));
            case VALIDATION_COMPLETED -> event.setValidationCompleted(ValidationCompletedEvent.newBuilder()
                    .setResult(status(ValidationResult.class, "VALIDATION_RESULT_", "passed")).setDurationMs(duration)
                    .setVersion(version).setEnvironment(environment));
            case DEPENDENCY_CHECK_STARTED -> event.setDependencyCheckStarted(DependencyCheckStartedEvent.newBuilder()
                    .setStage(stage).addAllServices(services));
            case DEPENDENCY_CHECK_COMPLETED -> event.setDependencyCheckCompleted(DependencyCheckCompletedEvent.newBuilder()
                    .setStage(stage).setResult(status(DependencyCheckResult.class, "DEPENDENCY_CHECK_RESULT_", "all_healthy"))
                    .setDurationMs(duration));
            case HEALTH_CHECK_STARTED -> event.setHealthCheckStarted(HealthCheckStartedEvent.newBuilder()
                    .setStage(stage).addAllServices(services));
            case HEALTH_CHECK_COMPLETED -> event.setHealthCheckCompleted(HealthCheckCompletedEvent.newBuilder()
                    .setStage(stage).setOverallStatus(status(HealthStatus.class, "HEALTH_STATUS_", "healthy"))
                    .setDurationMs(duration).setRollbackReason(reason));
            default -> throw new IllegalStateException("no payload for " + type);
        }
        return event.build();
    }

    private List<String> services() {
        return list(args.get("services", ""));
    }

    private static List<String> list(String csv) {
        return Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    /** --status given as the enum's short name (success, failure, passed, all_healthy, ...), case-insensitive. */
    private <E extends Enum<E>> E status(Class<E> type, String prefix, String defaultValue) {
        String value = args.get("status", defaultValue).toUpperCase(Locale.ROOT).replace('-', '_');
        try {
            return Enum.valueOf(type, value.startsWith(prefix) ? value : prefix + value);
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException("--status '" + args.get("status") + "' is not one of "
                    + Arrays.stream(type.getEnumConstants()).map(c -> c.name().substring(prefix.length()).toLowerCase(Locale.ROOT))
                            .filter(n -> !n.equals("unspecified") && !n.equals("unrecognized")).toList());
        }
    }
}
