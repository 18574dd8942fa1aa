package routes.cli;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import routes.app.CommandContext;
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
@Command(name = "publish", description = "Publish one event and print its entry id.")
final class PublishCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    HelpOption help;

    @Parameters(paramLabel = "TYPE", description = "The event type: deployment:started, "
            + "deployment:stage:<stage>:started|completed, validation:completed, ... (see docs/workers.md).")
    String type;

    @Option(names = "--deployment-id", paramLabel = "ID", required = true, description = "The deployment.")
    String deploymentId;

    @Option(names = "--correlation-id", paramLabel = "C", defaultValue = "", description = "Default: a new one.")
    String correlationId;

    @Option(names = "--version", paramLabel = "V", defaultValue = "", description = "The release.")
    String version;

    @Option(names = "--previous-version", paramLabel = "V", defaultValue = "")
    String previousVersion;

    @Option(names = "--environment", paramLabel = "E", defaultValue = "")
    String environment;

    @Option(names = "--services", paramLabel = "a,b", split = ",", description = "Services, comma separated.")
    List<String> services = List.of();

    @Option(names = "--stage", paramLabel = "S", defaultValue = "",
            description = "The stage (taken from the type for deployment:stage:<stage>:*).")
    String stage;

    @Option(names = "--stages", paramLabel = "a,b", defaultValue = "", description = "rollback:initiated: stages to roll back.")
    String stages;

    @Option(names = "--status", paramLabel = "S", description = "The result: success, failure, ... (per type; "
            + "a wrong value lists the accepted ones).")
    String status;

    @Option(names = "--strategy", paramLabel = "S", defaultValue = "rolling")
    String strategy;

    @Option(names = "--description", paramLabel = "D", defaultValue = "")
    String description;

    @Option(names = "--reason", paramLabel = "R", defaultValue = "")
    String reason;

    @Option(names = "--error", paramLabel = "E", defaultValue = "")
    String error;

    @Option(names = "--duration-ms", paramLabel = "N", defaultValue = "0")
    long durationMs;

    @Override
    public Integer call() throws Exception {
        DeploymentEvent event = build();
        try (CommandContext cli = new CommandContext()) {
            spec.commandLine().getOut().println(cli.bean("eventPublisher", EventPublisher.class).publish(event));
        }
        return 0;
    }

    /** The event the command line describes; envelope fields left empty are filled by the publisher. */
    DeploymentEvent build() {
        if (!EventTypes.isKnown(type)) {
            throw new UsageException("unknown event type '" + type + "'; known: " + EventTypes.FIXED
                    + " and deployment:stage:<stage>:started|completed");
        }
        DeploymentEvent.Builder event = DeploymentEvent.newBuilder().setType(type).setDeploymentId(deploymentId)
                .setCorrelationId(correlationId);
        List<String> services = this.services.stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
        String stage = EventTypes.stageOf(type) != null ? EventTypes.stageOf(type) : this.stage;
        switch (EventTypes.payloadOf(type)) {
            case DEPLOYMENT_STARTED -> event.setDeploymentStarted(DeploymentStartedEvent.newBuilder().setVersion(version)
                    .setEnvironment(environment).setStrategy(strategy).addAllServices(services)
                    .setPreviousVersion(previousVersion));
            case STAGE_STARTED -> event.setStageStarted(DeploymentStageStartedEvent.newBuilder().setStage(stage)
                    .setVersion(version).setDescription(description).addAllServices(services));
            case STAGE_COMPLETED -> event.setStageCompleted(DeploymentStageCompletedEvent.newBuilder().setStage(stage)
                    .setStatus(status(DeploymentStatus.class, "DEPLOYMENT_STATUS_", "success")).setDurationMs(durationMs)
                    .setErrorMessage(error).addAllServices(services).setVersion(version).setEnvironment(environment));
            case DEPLOYMENT_COMPLETED -> event.setDeploymentCompleted(DeploymentCompletedEvent.newBuilder()
                    .setStatus(status(DeploymentStatus.class, "DEPLOYMENT_STATUS_", "success")).setTotalDurationMs(durationMs)
                    .setErrorMessage(error).setVersion(version).setEnvironment(environment));
            case DEPLOYMENT_FAILED -> event.setDeploymentFailed(DeploymentFailedEvent.newBuilder().setReason(reason)
                    .setFailedStage(stage).setErrorDetails(error).setVersion(version).setEnvironment(environment));
            case ROLLBACK_INITIATED -> event.setRollbackInitiated(RollbackInitiatedEvent.newBuilder()
                    .setPreviousVersion(previousVersion).setReason(reason)
                    .addAllStagesToRollback(list(stages.isEmpty() ? stage : stages)).setFailedVersion(version)
                    .setEnvironment(environment));
            case ROLLBACK_COMPLETED -> event.setRollbackCompleted(RollbackCompletedEvent.newBuilder()
                    .setStatus(status(DeploymentStatus.class, "DEPLOYMENT_STATUS_", "success"))
                    .setRestoredVersion(previousVersion.isEmpty() ? version : previousVersion).setDurationMs(durationMs)
                    .addAllRolledBackServices(services).setErrorMessage(error).setEnvironment(environment));
            case VALIDATION_STARTED -> event.setValidationStarted(ValidationStartedEvent.newBuilder()
                    .addAllServices(services).setVersion(version).setEnvironment(environment));
            case VALIDATION_COMPLETED -> event.setValidationCompleted(ValidationCompletedEvent.newBuilder()
                    .setResult(status(ValidationResult.class, "VALIDATION_RESULT_", "passed")).setDurationMs(durationMs)
                    .setVersion(version).setEnvironment(environment));
            case DEPENDENCY_CHECK_STARTED -> event.setDependencyCheckStarted(DependencyCheckStartedEvent.newBuilder()
                    .setStage(stage).addAllServices(services));
            case DEPENDENCY_CHECK_COMPLETED -> event.setDependencyCheckCompleted(DependencyCheckCompletedEvent.newBuilder()
                    .setStage(stage).setResult(status(DependencyCheckResult.class, "DEPENDENCY_CHECK_RESULT_", "all_healthy"))
                    .setDurationMs(durationMs));
            case HEALTH_CHECK_STARTED -> event.setHealthCheckStarted(HealthCheckStartedEvent.newBuilder()
                    .setStage(stage).addAllServices(services));
            case HEALTH_CHECK_COMPLETED -> event.setHealthCheckCompleted(HealthCheckCompletedEvent.newBuilder()
                    .setStage(stage).setOverallStatus(status(HealthStatus.class, "HEALTH_STATUS_", "healthy"))
                    .setDurationMs(durationMs).setRollbackReason(reason));
            default -> throw new IllegalStateException("no payload for " + type);
        }
        DeploymentEvent built = event.build();
        List<String> missing = EventTypes.missingForWorkers(built);
        if (!missing.isEmpty()) {
            throw new UsageException(type + " needs " + String.join(", ", missing.stream().map(f -> "--" + f).toList())
                    + " (the workers reject it without)");
        }
        return built;
    }

    private static List<String> list(String csv) {
        return Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    /** --status given as the enum's short name (success, failure, passed, all_healthy, ...), case-insensitive. */
    private <E extends Enum<E>> E status(Class<E> type, String prefix, String defaultValue) {
        String given = status == null ? defaultValue : status;
        List<String> accepted = Arrays.stream(type.getEnumConstants()).map(Enum::name)
                .filter(n -> n.startsWith(prefix) && !n.endsWith("_UNSPECIFIED"))
                .map(n -> n.substring(prefix.length()).toLowerCase(Locale.ROOT)).toList();
        String value = given.toLowerCase(Locale.ROOT).replace('-', '_');
        value = value.startsWith(prefix.toLowerCase(Locale.ROOT)) ? value.substring(prefix.length()) : value;
        if (!accepted.contains(value)) {
            throw new UsageException("--status '" + given + "' is not one of " + String.join(", ", accepted)
                    + " for " + this.type);
        }
        return Enum.valueOf(type, prefix + value.toUpperCase(Locale.ROOT));
    }
}
