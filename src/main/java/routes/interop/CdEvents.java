package routes.interop;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import routes.events.proto.DependencyCheckCompletedEvent;
import routes.events.proto.DependencyCheckResult;
import routes.events.proto.DependencyStatus;
import routes.events.proto.DeploymentCompletedEvent;
import routes.events.proto.DeploymentEvent;
import routes.events.proto.DeploymentFailedEvent;
import routes.events.proto.DeploymentStageCompletedEvent;
import routes.events.proto.DeploymentStartedEvent;
import routes.events.proto.DeploymentStatus;
import routes.events.proto.HealthCheckCompletedEvent;
import routes.events.proto.HealthStatus;
import routes.events.proto.RollbackCompletedEvent;
import routes.events.proto.ServiceHealthStatus;
import routes.events.proto.StageResult;
import routes.events.proto.ValidationCheckResult;
import routes.events.proto.ValidationCompletedEvent;
import routes.events.proto.ValidationResult;
import routes.manifest.Manifest;

/**
 * Printery's events as CDEvents (spec v0.5; the mapping is docs/interop.md's). A deployment is a pipeline run
 * (subject id: the deployment id); validation, each stage's deploy, dependency check and health check, and the
 * rollback are its task runs (subject id: deployment id / task name); a deployed or rolled back service is a service
 * subject ({@code <environment>/<service>}); an unhealthy service after a stage is an incident. Each CDEvent carries
 * the whole Printery event in customData (proto field names, as {@code printery tail --json} prints it).
 * <p>
 * One Printery event gives one CDEvent, whose id is the event id, or several: the extra ones (services, incidents)
 * have the event id followed by {@code :service:<name>} or {@code :incident:<name>}, so every id is the same each time
 * the event is mapped. Where one event gives several, the run's own CDEvent (finished) comes last.
 */
public class CdEvents {

    /** The CDEvents specification version the events follow (context.specversion). */
    public static final String SPEC_VERSION = "0.5.1";
    static final String PIPELINERUN_STARTED = "dev.cdevents.pipelinerun.started.0.3.0";
    static final String PIPELINERUN_FINISHED = "dev.cdevents.pipelinerun.finished.0.3.0";
    static final String TASKRUN_STARTED = "dev.cdevents.taskrun.started.0.3.0";
    static final String TASKRUN_FINISHED = "dev.cdevents.taskrun.finished.0.3.0";
    static final String SERVICE_DEPLOYED = "dev.cdevents.service.deployed.0.3.0";
    static final String SERVICE_UPGRADED = "dev.cdevents.service.upgraded.0.3.0";
    static final String SERVICE_ROLLEDBACK = "dev.cdevents.service.rolledback.0.3.0";
    static final String INCIDENT_DETECTED = "dev.cdevents.incident.detected.0.3.0";

    /** The environment of an incident whose deployment the mirror never saw start (enabled mid-deployment). */
    static final String UNKNOWN_ENVIRONMENT = "unknown";
    static final String VALIDATION_TASK = "validation";
    static final String ROLLBACK_TASK = "rollback";

    private static final JsonFormat.Printer PROTO_JSON = JsonFormat.printer().preservingProtoFieldNames()
            .omittingInsignificantWhitespace();

    private final String source;
    private final String deploymentUri;
    private final ArtifactIds artifacts;
    private final CdEventsMemory memory;
    private final ObjectMapper json;

    /**
     * @param source        ce-source and context.source of every CDEvent
     * @param deploymentUri a deployment's pipeline run URI is this followed by the deployment id
     */
    public CdEvents(String source, String deploymentUri, Manifest manifest, CdEventsMemory memory, ObjectMapper json) {
        this.source = source;
        this.deploymentUri = deploymentUri;
        this.artifacts = new ArtifactIds(manifest);
        this.memory = memory;
        this.json = json;
    }

    /** The CDEvents of one Printery event, in the order they are to be sent. */
    public List<CdEvent> map(DeploymentEvent event) {
        Mapping m = new Mapping(event);
        String stage;
        switch (event.getPayloadCase()) {
            case DEPLOYMENT_STARTED -> {
                DeploymentStartedEvent p = event.getDeploymentStarted();
                memory.remember(event.getDeploymentId(), p.getEnvironment(), p.getVersion(), p.getPreviousVersion());
                m.add(event.getEventId(), PIPELINERUN_STARTED, event.getDeploymentId(),
                        m.pipelineRun(m.environment(p.getEnvironment())));
            }
            case STAGE_STARTED -> m.taskStarted(deployTask(event.getStageStarted().getStage()));
            case STAGE_COMPLETED -> {
                DeploymentStageCompletedEvent p = event.getStageCompleted();
                memory.remember(event.getDeploymentId(), p.getEnvironment(), p.getVersion(), "");
                m.taskFinished(deployTask(p.getStage()), outcome(p.getStatus()), p.getErrorMessage());
            }
            case DEPLOYMENT_COMPLETED -> completed(m, event.getDeploymentCompleted());
            case DEPLOYMENT_FAILED -> {
                DeploymentFailedEvent p = event.getDeploymentFailed();
                String errors = p.getErrorDetails().isEmpty() ? p.getReason() : p.getReason() + ": " + p.getErrorDetails();
                m.pipelineFinished(m.environment(p.getEnvironment()),
                        p.getStatus() == DeploymentStatus.DEPLOYMENT_STATUS_CANCELLED ? "cancel" : "failure", errors);
            }
            case ROLLBACK_INITIATED -> m.taskStarted(ROLLBACK_TASK);
            case ROLLBACK_COMPLETED -> {
                RollbackCompletedEvent p = event.getRollbackCompleted();
                String environment = m.environment(p.getEnvironment());
                for (String service : new LinkedHashSet<>(p.getRolledBackServicesList())) {
                    m.add(event.getEventId() + ":service:" + service, SERVICE_ROLLEDBACK,
                            serviceId(environment, service), service(environment, service, p.getRestoredVersion()));
                }
                m.taskFinished(ROLLBACK_TASK, p.getStatus() == DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS ? "success"
                        : "failure", p.getErrorMessage());
            }
            case VALIDATION_STARTED -> m.taskStarted(VALIDATION_TASK);
            case VALIDATION_COMPLETED -> {
                ValidationCompletedEvent p = event.getValidationCompleted();
                List<String> failed = p.getChecksList().stream()
                        .filter(c -> c.getResult() == ValidationResult.VALIDATION_RESULT_FAILED)
                        .map(CdEvents::describe).toList();
                String outcome = switch (p.getResult()) {
                    case VALIDATION_RESULT_PASSED, VALIDATION_RESULT_WARNINGS -> "success";
                    case VALIDATION_RESULT_FAILED -> "failure";
                    default -> "error";
                };
                m.taskFinished(VALIDATION_TASK, outcome, String.join("; ", failed));
            }
            case DEPENDENCY_CHECK_STARTED -> m.taskStarted(dependencyTask(event.getDependencyCheckStarted().getStage()));
            case DEPENDENCY_CHECK_COMPLETED -> dependencyChecked(m, event.getDependencyCheckCompleted());
            case HEALTH_CHECK_STARTED -> m.taskStarted(healthTask(event.getHealthCheckStarted().getStage()));
            case HEALTH_CHECK_COMPLETED -> healthChecked(m, event.getHealthCheckCompleted());
            default -> throw new IllegalArgumentException("event " + event.getEventId() + " of type " + event.getType()
                    + " has no CDEvent mapping (payload " + event.getPayloadCase() + ")");
        }
        return m.events;
    }

    /** Success: each deployed service (deployed the first time, else upgraded), then the pipeline run's end. */
    private void completed(Mapping m, DeploymentCompletedEvent p) {
        DeploymentEvent event = m.event;
        CdEventsMemory.Deployment known = memory.recall(event.getDeploymentId());
        String environment = p.getEnvironment().isEmpty() ? known.environment() : p.getEnvironment();
        String version = p.getVersion().isEmpty() ? known.version() : p.getVersion();
        boolean success = p.getStatus() == DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS;
        if (success && !environment.isEmpty()) {
            Set<String> services = new LinkedHashSet<>();
            for (StageResult stage : p.getStageResultsList()) {
                services.addAll(stage.getServicesList());
            }
            for (String service : services) {
                // Asked for every service, so the record of what runs there is kept up to date either way.
                boolean first = memory.firstDeployment(environment, service, event.getDeploymentId());
                boolean upgrade = !known.previousVersion().isEmpty() || !first;
                m.add(event.getEventId() + ":service:" + service, upgrade ? SERVICE_UPGRADED : SERVICE_DEPLOYED,
                        serviceId(environment, service), service(environment, service, version));
            }
        }
        String outcome = switch (p.getStatus()) {
            case DEPLOYMENT_STATUS_SUCCESS -> "success";
            case DEPLOYMENT_STATUS_CANCELLED -> "cancel";
            case DEPLOYMENT_STATUS_FAILURE, DEPLOYMENT_STATUS_ROLLED_BACK -> "failure";
            default -> "error";
        };
        m.pipelineFinished(environment.isEmpty() ? UNKNOWN_ENVIRONMENT : environment, outcome, p.getErrorMessage());
    }

    /** ALL_UNHEALTHY (the result that rolls back): an incident per service with an unhealthy dependency. */
    private void dependencyChecked(Mapping m, DependencyCheckCompletedEvent p) {
        String task = dependencyTask(p.getStage());
        Map<String, List<String>> unhealthy = new LinkedHashMap<>();
        for (DependencyStatus d : p.getDependenciesList()) {
            if (d.getStatus() == HealthStatus.HEALTH_STATUS_UNHEALTHY) {
                unhealthy.computeIfAbsent(d.getService(), s -> new ArrayList<>()).add(d.getDependency()
                        + (d.getErrorMessage().isEmpty() ? "" : " (" + d.getErrorMessage() + ")"));
            }
        }
        if (p.getResult() == DependencyCheckResult.DEPENDENCY_CHECK_RESULT_ALL_UNHEALTHY) {
            unhealthy.forEach((service, dependencies) -> m.incident(task, service,
                    service + " cannot reach " + String.join(", ", dependencies) + " after stage " + p.getStage()));
        }
        String outcome = switch (p.getResult()) {
            case DEPENDENCY_CHECK_RESULT_ALL_HEALTHY, DEPENDENCY_CHECK_RESULT_SOME_DEGRADED -> "success";
            case DEPENDENCY_CHECK_RESULT_ALL_UNHEALTHY -> "failure";
            default -> "error";
        };
        List<String> errors = new ArrayList<>();
        unhealthy.forEach((service, dependencies) -> errors.add(service + ": " + String.join(", ", dependencies)));
        m.taskFinished(task, outcome, String.join("; ", errors));
    }

    /** UNHEALTHY (the result that rolls back): an incident per unhealthy service. */
    private void healthChecked(Mapping m, HealthCheckCompletedEvent p) {
        String task = healthTask(p.getStage());
        if (p.getOverallStatus() == HealthStatus.HEALTH_STATUS_UNHEALTHY) {
            for (ServiceHealthStatus s : p.getServicesList()) {
                if (s.getStatus() == HealthStatus.HEALTH_STATUS_UNHEALTHY) {
                    m.incident(task, s.getService(), s.getService() + " unhealthy after stage " + p.getStage()
                            + (s.getReason().isEmpty() ? "" : ": " + s.getReason()));
                }
            }
        }
        String outcome = switch (p.getOverallStatus()) {
            case HEALTH_STATUS_HEALTHY, HEALTH_STATUS_DEGRADED, HEALTH_STATUS_INCONCLUSIVE -> "success";
            case HEALTH_STATUS_UNHEALTHY -> "failure";
            default -> "error";
        };
        m.taskFinished(task, outcome, p.getRollbackReason());
    }

    /** The CDEvents of one Printery event, as they are built. */
    private final class Mapping {

        final DeploymentEvent event;
        final List<CdEvent> events = new ArrayList<>(2);
        private final String time;
        private final JsonNode customData;

        Mapping(DeploymentEvent event) {
            this.event = event;
            Instant at = event.getTimestamp() > 0 ? Instant.ofEpochMilli(event.getTimestamp())
                    : Instant.now().truncatedTo(ChronoUnit.MILLIS);
            this.time = at.toString();
            this.customData = customData(event);
        }

        void taskStarted(String task) {
            add(event.getEventId(), TASKRUN_STARTED, taskId(task), taskRun(task));
        }

        void taskFinished(String task, String outcome, String errors) {
            ObjectNode content = taskRun(task).put("outcome", outcome);
            if (!errors.isEmpty()) {
                content.put("errors", errors);
            }
            add(event.getEventId(), TASKRUN_FINISHED, taskId(task), content);
        }

        void pipelineFinished(String environment, String outcome, String errors) {
            ObjectNode content = pipelineRun(environment).put("outcome", outcome);
            if (!errors.isEmpty()) {
                content.put("errors", errors);
            }
            add(event.getEventId(), PIPELINERUN_FINISHED, event.getDeploymentId(), content);
        }

        void incident(String task, String service, String description) {
            CdEventsMemory.Deployment known = memory.recall(event.getDeploymentId());
            String environment = known.environment().isEmpty() ? UNKNOWN_ENVIRONMENT : known.environment();
            ObjectNode content = json.createObjectNode().put("description", description);
            content.putObject("environment").put("id", environment);
            content.putObject("service").put("id", serviceId(environment, service));
            content.put("artifactId", artifacts.of(service, known.version()));
            add(event.getEventId() + ":incident:" + service, INCIDENT_DETECTED, taskId(task) + "/" + service, content);
        }

        void add(String id, String type, String subjectId, ObjectNode content) {
            ObjectNode body = json.createObjectNode();
            body.putObject("context").put("specversion", SPEC_VERSION).put("id", id).put("source", source)
                    .put("type", type).put("timestamp", time);
            ObjectNode subject = body.putObject("subject").put("id", subjectId);
            subject.set("content", content);
            body.set("customData", customData);
            body.put("customDataContentType", "application/json");
            try {
                events.add(new CdEvent(id, type, source, subjectId, time, json.writeValueAsString(body)));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("CDEvent " + id + " cannot be written as JSON", e);
            }
        }

        private String taskId(String task) {
            return event.getDeploymentId() + "/" + task;
        }

        private ObjectNode taskRun(String task) {
            ObjectNode content = json.createObjectNode().put("taskName", task);
            content.putObject("pipelineRun").put("id", event.getDeploymentId());
            return content;
        }

        ObjectNode pipelineRun(String environment) {
            return json.createObjectNode().put("pipelineName", "deploy-" + environment)
                    .put("uri", deploymentUri + ArtifactIds.encode(event.getDeploymentId()));
        }

        /** The event's environment, else the one its deployment's lifecycle events named. */
        String environment(String fromEvent) {
            if (!fromEvent.isEmpty()) {
                return fromEvent;
            }
            String known = memory.recall(event.getDeploymentId()).environment();
            return known.isEmpty() ? UNKNOWN_ENVIRONMENT : known;
        }
    }

    private ObjectNode service(String environment, String service, String version) {
        ObjectNode content = json.createObjectNode();
        content.putObject("environment").put("id", environment);
        content.put("artifactId", artifacts.of(service, version));
        return content;
    }

    private JsonNode customData(DeploymentEvent event) {
        try {
            return json.readTree(PROTO_JSON.print(event));
        } catch (InvalidProtocolBufferException | JsonProcessingException e) {
            throw new IllegalStateException("event " + event.getEventId() + " cannot be written as JSON", e);
        }
    }

    private static String serviceId(String environment, String service) {
        return environment + "/" + service;
    }

    private static String deployTask(String stage) {
        return "deploy-" + stage;
    }

    private static String dependencyTask(String stage) {
        return "dependency-check-" + stage;
    }

    private static String healthTask(String stage) {
        return "health-check-" + stage;
    }

    private static String outcome(DeploymentStatus status) {
        return switch (status) {
            case DEPLOYMENT_STATUS_SUCCESS -> "success";
            case DEPLOYMENT_STATUS_FAILURE, DEPLOYMENT_STATUS_ROLLED_BACK -> "failure";
            case DEPLOYMENT_STATUS_CANCELLED -> "cancel";
            default -> "error";
        };
    }

    private static String describe(ValidationCheckResult check) {
        return (check.getService().isEmpty() ? "" : check.getService() + " ") + check.getName() + ": " + check.getMessage();
    }
}
