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
 *
 * <p>A fold can also go on from a record it made ({@link #resume}): an event that sorts after every event folded so far
 * ({@link #follows}) is then {@link #add added} to it, which gives the record a fold of all the events would give,
 * without decoding them again.
 */
final class RecordFold {

    /** One recorded event: the event, where it was read (its earliest entry), when. */
    record Recorded(DeploymentEvent event, String stream, String entryId) {
    }

    /** The folded record: its document and the columns the list filters on. */
    record Folded(Map<String, Object> document, String version, String environment, String actor, String status,
                  long startedAt, Long endedAt) {
    }

    private static final Comparator<DeploymentEvent> ORDER = Comparator.comparingLong(DeploymentEvent::getTimestamp)
            .thenComparing(DeploymentEvent::getEventId);

    private final String deploymentId;
    /** strategy, services and previous_version, from deployment:started. */
    private final Map<String, Object> plan = new LinkedHashMap<>();
    private final Map<String, Map<String, Object>> stages = new LinkedHashMap<>();
    private final List<Map<String, Object>> timeline = new ArrayList<>();
    private String version;
    private String environment;
    private String actor;
    /** Set by the deployment's end only: ROLLING_BACK is derived when the record is made. */
    private String status = "RUNNING";
    private String correlation;
    private long startedAt;
    private Long endedAt;
    private Map<String, Object> rollback;
    private Map<String, Object> failure;
    private Map<String, Object> validation;
    /** The last event folded, in the fold's order. */
    private long lastAt;
    private String lastEventId;

    private RecordFold(String deploymentId) {
        this.deploymentId = deploymentId;
    }

    static Folded fold(String deploymentId, List<Recorded> events) {
        List<Recorded> sorted = new ArrayList<>(events);
        sorted.sort(Comparator.comparing(Recorded::event, ORDER));
        RecordFold fold = new RecordFold(deploymentId);
        sorted.forEach(fold::add);
        return fold.folded();
    }

    /**
     * The fold that made {@code document} (a record of {@link #folded()}, as JSON gives it back), to go on from. The
     * record read back holds the fold's whole state: the status before ROLLING_BACK is derived from it is RUNNING
     * until the deployment ended, the rest is there as it was folded.
     */
    @SuppressWarnings("unchecked")
    static RecordFold resume(Map<String, Object> document) {
        RecordFold fold = new RecordFold((String) document.get("id"));
        fold.correlation = (String) document.get("correlation_id");
        fold.version = (String) document.get("version");
        fold.environment = (String) document.get("environment");
        fold.actor = (String) document.get("actor");
        fold.startedAt = millis(document.get("started_at"));
        fold.endedAt = document.get("ended_at") == null ? null : millis(document.get("ended_at"));
        fold.status = fold.endedAt == null ? "RUNNING" : (String) document.get("status");
        for (String key : List.of("strategy", "services", "previous_version")) {
            if (document.containsKey(key)) {
                fold.plan.put(key, document.get(key));
            }
        }
        fold.validation = (Map<String, Object>) document.get("validation");
        for (Map<String, Object> stage : (List<Map<String, Object>>) document.get("stages")) {
            fold.stages.put((String) stage.get("name"), stage);
        }
        fold.rollback = (Map<String, Object>) document.get("rollback");
        fold.failure = (Map<String, Object>) document.get("failure");
        fold.timeline.addAll((List<Map<String, Object>>) document.get("timeline"));
        if (!fold.timeline.isEmpty()) {
            Map<String, Object> last = fold.timeline.get(fold.timeline.size() - 1);
            fold.lastAt = millis(last.get("at"));
            fold.lastEventId = (String) last.get("event_id");
        }
        return fold;
    }

    /** True when {@code event} sorts after every event folded so far: {@link #add} then keeps the fold's order. */
    boolean follows(DeploymentEvent event) {
        return lastEventId == null || event.getTimestamp() > lastAt
                || event.getTimestamp() == lastAt && event.getEventId().compareTo(lastEventId) > 0;
    }

    /** The entry id the event was folded from, null when it was not. */
    String entryOf(String eventId) {
        for (Map<String, Object> line : timeline) {
            if (eventId.equals(line.get("event_id"))) {
                return (String) line.get("entry_id");
            }
        }
        return null;
    }

    /** Folds in the next event, in the fold's order (see {@link #follows}). */
    void add(Recorded recorded) {
        DeploymentEvent e = recorded.event();
        if (timeline.isEmpty()) {
            startedAt = e.getTimestamp();
        }
        lastAt = e.getTimestamp();
        lastEventId = e.getEventId();
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
                plan.put("strategy", started.getStrategy());
                plan.put("services", started.getServicesList());
                plan.put("previous_version", empty(started.getPreviousVersion()));
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
                Map<String, Object> stage = stage(e.getStageStarted().getStage());
                stage.put("services", e.getStageStarted().getServicesList());
                stage.put("started_at", iso(e.getTimestamp()));
                stage.putIfAbsent("status", "RUNNING");
            }
            case STAGE_COMPLETED -> {
                var completed = e.getStageCompleted();
                Map<String, Object> stage = stage(completed.getStage());
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
                stage(completed.getStage()).put("dependencies", result);
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
                stage(completed.getStage()).put("health", result);
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

    /** The record of the events folded so far. */
    Folded folded() {
        String shown = endedAt == null && rollback != null ? "ROLLING_BACK" : status;
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("id", deploymentId);
        // Rises with every event recorded: of two copies of a record (sent by two consumers), the higher is newer.
        record.put("revision", timeline.size());
        record.put("correlation_id", correlation);
        record.put("version", version);
        record.put("environment", environment);
        record.put("actor", actor);
        record.put("status", shown);
        record.put("started_at", iso(startedAt));
        record.put("ended_at", endedAt == null ? null : iso(endedAt));
        record.put("duration_ms", endedAt == null ? null : endedAt - startedAt);
        record.putAll(plan);
        record.put("validation", validation);
        record.put("stages", new ArrayList<>(stages.values()));
        record.put("rollback", rollback);
        record.put("failure", failure);
        record.put("timeline", timeline);
        return new Folded(record, version, environment, actor, shown, startedAt, endedAt);
    }

    private Map<String, Object> stage(String name) {
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

    private static long millis(Object iso) {
        return Instant.parse((String) iso).toEpochMilli();
    }
}
