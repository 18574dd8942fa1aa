package routes.record;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import routes.events.EventTypes;
import routes.events.proto.DeploymentEvent;

/**
 * A deployment's record from the set of its events: sorted by time (then event id) before folding, so the same events
 * in any arrival order, each seen once, give the same record. Keys are snake_case, like the other HTTP APIs.
 */
final class RecordFold {

    /** One recorded event: the event, where it was read (its earliest entry), when. */
    record Recorded(DeploymentEvent event, String stream, String entryId) {
    }

    /** The folded record: its document and the columns the list filters on. */
    record Folded(Map<String, Object> document, String version, String environment, String actor, String status,
                  long startedAt, Long endedAt) {
    }

    private RecordFold() {
    }

    static Folded fold(String deploymentId, List<Recorded> events) {
        List<Recorded> sorted = new ArrayList<>(events);
        sorted.sort(Comparator.comparingLong((Recorded r) -> r.event().getTimestamp())
                .thenComparing(r -> r.event().getEventId()));
        Map<String, Object> doc = new LinkedHashMap<>();
        Map<String, Map<String, Object>> stages = new LinkedHashMap<>();
        List<Map<String, Object>> timeline = new ArrayList<>();
        String version = null;
        String environment = null;
        String actor = null;
        String status = "RUNNING";
        String correlation = null;
        long startedAt = sorted.isEmpty() ? 0 : sorted.get(0).event().getTimestamp();
        Long endedAt = null;
        Map<String, Object> rollback = null;
        Map<String, Object> failure = null;
        Map<String, Object> validation = null;
        for (Recorded recorded : sorted) {
            DeploymentEvent e = recorded.event();
            correlation = correlation == null ? e.getCorrelationId() : correlation;
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("type", e.getType());
            line.put("at", iso(e.getTimestamp()));
            line.put("event_id", e.getEventId());
            line.put("correlation_id", e.getCorrelationId());
            line.put("stream", recorded.stream());
            line.put("entry_id", recorded.entryId());
            timeline.add(line);
            switch (e.getPayloadCase()) {
                case DEPLOYMENT_STARTED -> {
                    var started = e.getDeploymentStarted();
                    version = started.getVersion();
                    environment = started.getEnvironment();
                    actor = started.getActor().isEmpty() ? null : started.getActor();
                    startedAt = e.getTimestamp();
                    doc.put("strategy", started.getStrategy());
                    doc.put("services", started.getServicesList());
                    doc.put("previous_version", empty(started.getPreviousVersion()));
                }
                case VALIDATION_COMPLETED -> {
                    var completed = e.getValidationCompleted();
                    validation = new LinkedHashMap<>();
                    validation.put("result", EventTypes.shortStatus(completed.getResult()));
                    validation.put("duration_ms", completed.getDurationMs());
                    validation.put("checks", completed.getChecksList().stream().map(c -> {
                        Map<String, Object> check = new LinkedHashMap<>();
                        check.put("name", c.getName());
                        check.put("service", empty(c.getService()));
                        check.put("result", EventTypes.shortStatus(c.getResult()));
                        check.put("message", c.getMessage());
                        check.put("duration_ms", c.getDurationMs());
                        return check;
                    }).toList());
                }
                case STAGE_STARTED -> {
                    Map<String, Object> stage = stage(stages, e.getStageStarted().getStage());
                    stage.put("services", e.getStageStarted().getServicesList());
                    stage.put("started_at", iso(e.getTimestamp()));
                    stage.putIfAbsent("status", "RUNNING");
                }
                case STAGE_COMPLETED -> {
                    var completed = e.getStageCompleted();
                    Map<String, Object> stage = stage(stages, completed.getStage());
                    stage.put("services", completed.getServicesList());
                    stage.put("status", EventTypes.shortStatus(completed.getStatus()));
                    stage.put("ended_at", iso(e.getTimestamp()));
                    stage.put("duration_ms", completed.getDurationMs());
                    stage.put("error", empty(completed.getErrorMessage()));
                    stage.put("deployments", new TreeMap<>(completed.getDeploymentsMap()));
                }
                case DEPENDENCY_CHECK_COMPLETED -> {
                    var completed = e.getDependencyCheckCompleted();
                    Map<String, Object> result = new LinkedHashMap<>();
                    result.put("result", EventTypes.shortStatus(completed.getResult()));
                    result.put("duration_ms", completed.getDurationMs());
                    result.put("dependencies", completed.getDependenciesList().stream().map(d -> {
                        Map<String, Object> dependency = new LinkedHashMap<>();
                        dependency.put("service", d.getService());
                        dependency.put("dependency", d.getDependency());
                        dependency.put("type", d.getType());
                        dependency.put("status", EventTypes.shortStatus(d.getStatus()));
                        dependency.put("endpoint", d.getEndpoint());
                        dependency.put("response_time_ms", d.getResponseTimeMs());
                        dependency.put("error", empty(d.getErrorMessage()));
                        return dependency;
                    }).toList());
                    stage(stages, completed.getStage()).put("dependencies", result);
                }
                case HEALTH_CHECK_COMPLETED -> {
                    var completed = e.getHealthCheckCompleted();
                    Map<String, Object> result = new LinkedHashMap<>();
                    result.put("status", EventTypes.shortStatus(completed.getOverallStatus()));
                    result.put("duration_ms", completed.getDurationMs());
                    result.put("rollback_reason", empty(completed.getRollbackReason()));
                    result.put("services", completed.getServicesList().stream().map(s -> {
                        Map<String, Object> service = new LinkedHashMap<>();
                        service.put("service", s.getService());
                        service.put("status", EventTypes.shortStatus(s.getStatus()));
                        service.put("health_ok", s.getHealthOk());
                        return service;
                    }).toList());
                    stage(stages, completed.getStage()).put("health", result);
                }
                case ROLLBACK_INITIATED -> {
                    var initiated = e.getRollbackInitiated();
                    rollback = rollback == null ? new LinkedHashMap<>() : rollback;
                    rollback.put("reason", initiated.getReason());
                    rollback.put("stages", initiated.getStagesToRollbackList());
                    rollback.put("started_at", iso(e.getTimestamp()));
                    rollback.putIfAbsent("status", "RUNNING");
                }
                case ROLLBACK_COMPLETED -> {
                    var completed = e.getRollbackCompleted();
                    rollback = rollback == null ? new LinkedHashMap<>() : rollback;
                    rollback.put("status", EventTypes.shortStatus(completed.getStatus()));
                    rollback.put("ended_at", iso(e.getTimestamp()));
                    rollback.put("duration_ms", completed.getDurationMs());
                    rollback.put("rolled_back_services", completed.getRolledBackServicesList());
                    rollback.put("error", empty(completed.getErrorMessage()));
                }
                case DEPLOYMENT_COMPLETED -> {
                    status = EventTypes.shortStatus(e.getDeploymentCompleted().getStatus());
                    endedAt = e.getTimestamp();
                }
                case DEPLOYMENT_FAILED -> {
                    var failed = e.getDeploymentFailed();
                    status = failed.getStatusValue() == 0 ? "FAILURE" : EventTypes.shortStatus(failed.getStatus());
                    endedAt = e.getTimestamp();
                    failure = new LinkedHashMap<>();
                    failure.put("reason", failed.getReason());
                    failure.put("failed_stage", empty(failed.getFailedStage()));
                    failure.put("details", empty(failed.getErrorDetails()));
                }
                default -> {
                    // started events of the checks: on the timeline only
                }
            }
        }
        if (endedAt == null && rollback != null) {
            status = "ROLLING_BACK";
        }
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("id", deploymentId);
        // Rises with every event recorded: of two copies of a record (sent by two consumers), the higher is newer.
        record.put("revision", sorted.size());
        record.put("correlation_id", correlation);
        record.put("version", version);
        record.put("environment", environment);
        record.put("actor", actor);
        record.put("status", status);
        record.put("started_at", iso(startedAt));
        record.put("ended_at", endedAt == null ? null : iso(endedAt));
        record.put("duration_ms", endedAt == null ? null : endedAt - startedAt);
        record.putAll(doc);
        record.put("validation", validation);
        record.put("stages", new ArrayList<>(stages.values()));
        record.put("rollback", rollback);
        record.put("failure", failure);
        record.put("timeline", timeline);
        return new Folded(record, version, environment, actor, status, startedAt, endedAt);
    }

    private static Map<String, Object> stage(Map<String, Map<String, Object>> stages, String name) {
        return stages.computeIfAbsent(name, n -> {
            Map<String, Object> stage = new LinkedHashMap<>();
            stage.put("name", n);
            return stage;
        });
    }

    private static String empty(String value) {
        return value.isEmpty() ? null : value;
    }

    private static String iso(long epochMillis) {
        return Instant.ofEpochMilli(epochMillis).toString();
    }
}
