package routes.events;

import java.util.List;

import routes.events.proto.DeploymentEvent;
import routes.events.proto.DeploymentEvent.PayloadCase;
import routes.events.proto.Priority;

/**
 * The event type strings of the deployment event contract, the payload each one carries, the stream it
 * belongs on and its priority. Every other class asks here instead of spelling a type.
 */
public final class EventTypes {

    private static final java.util.regex.Pattern STATUS_PREFIX =
            java.util.regex.Pattern.compile("^(DEPLOYMENT_STATUS|VALIDATION_RESULT|HEALTH_STATUS|DEPENDENCY_CHECK_RESULT)_");


    public static final String DEPLOYMENT_STARTED = "deployment:started";
    public static final String DEPLOYMENT_COMPLETED = "deployment:completed";
    public static final String DEPLOYMENT_FAILED = "deployment:failed";
    public static final String VALIDATION_STARTED = "validation:started";
    public static final String VALIDATION_COMPLETED = "validation:completed";
    public static final String DEPENDENCY_CHECK_STARTED = "dependency:check:started";
    public static final String DEPENDENCY_CHECK_COMPLETED = "dependency:check:completed";
    public static final String HEALTH_CHECK_STARTED = "health:check:started";
    public static final String HEALTH_CHECK_COMPLETED = "health:check:completed";
    public static final String ROLLBACK_INITIATED = "rollback:initiated";
    public static final String ROLLBACK_COMPLETED = "rollback:completed";

    private static final String STAGE_PREFIX = "deployment:stage:";
    private static final String STARTED_SUFFIX = ":started";
    private static final String COMPLETED_SUFFIX = ":completed";

    /** The fixed (stage-independent) types, for listings and CLI help. */
    public static final List<String> FIXED = List.of(DEPLOYMENT_STARTED, DEPLOYMENT_COMPLETED, DEPLOYMENT_FAILED,
            VALIDATION_STARTED, VALIDATION_COMPLETED, DEPENDENCY_CHECK_STARTED, DEPENDENCY_CHECK_COMPLETED,
            HEALTH_CHECK_STARTED, HEALTH_CHECK_COMPLETED, ROLLBACK_INITIATED, ROLLBACK_COMPLETED);

    /** Which topology stream an event type is written to; see {@link Streams}. */
    public enum Category { DEPLOYMENT, VALIDATION, DEPENDENCY, HEALTH }

    private EventTypes() {
    }

    public static String stageStarted(String stage) {
        return STAGE_PREFIX + requireStage(stage) + STARTED_SUFFIX;
    }

    public static String stageCompleted(String stage) {
        return STAGE_PREFIX + requireStage(stage) + COMPLETED_SUFFIX;
    }

    public static boolean isStageStarted(String type) {
        return stageEnd(type) > 0 && type.endsWith(STARTED_SUFFIX);
    }

    public static boolean isStageCompleted(String type) {
        return stageEnd(type) > 0 && type.endsWith(COMPLETED_SUFFIX);
    }

    /** The stage named by a stage type ("railway" for "deployment:stage:railway:completed"), else null. */
    public static String stageOf(String type) {
        int end = stageEnd(type);
        return end > 0 ? type.substring(STAGE_PREFIX.length(), end) : null;
    }

    /**
     * Where the stage name ends in a well-formed stage type ("deployment:stage:&lt;stage&gt;:started|completed"),
     * else -1. Without substrings: consumers test every entry's type with this.
     */
    private static int stageEnd(String type) {
        if (type == null || !type.startsWith(STAGE_PREFIX)) {
            return -1;
        }
        int colon = type.indexOf(':', STAGE_PREFIX.length());
        if (colon <= STAGE_PREFIX.length() || type.indexOf(':', colon + 1) >= 0) {
            return -1;
        }
        // The suffix starts at the only colon after the stage, so endsWith matches it exactly.
        return type.endsWith(STARTED_SUFFIX) || type.endsWith(COMPLETED_SUFFIX) ? colon : -1;
    }

    /** The payload a type must carry, or {@link PayloadCase#PAYLOAD_NOT_SET} for an unknown type. */
    public static PayloadCase payloadOf(String type) {
        if (type == null) {
            return PayloadCase.PAYLOAD_NOT_SET;
        }
        if (isStageStarted(type)) {
            return PayloadCase.STAGE_STARTED;
        }
        if (isStageCompleted(type)) {
            return PayloadCase.STAGE_COMPLETED;
        }
        return switch (type) {
            case DEPLOYMENT_STARTED -> PayloadCase.DEPLOYMENT_STARTED;
            case DEPLOYMENT_COMPLETED -> PayloadCase.DEPLOYMENT_COMPLETED;
            case DEPLOYMENT_FAILED -> PayloadCase.DEPLOYMENT_FAILED;
            case ROLLBACK_INITIATED -> PayloadCase.ROLLBACK_INITIATED;
            case ROLLBACK_COMPLETED -> PayloadCase.ROLLBACK_COMPLETED;
            case VALIDATION_STARTED -> PayloadCase.VALIDATION_STARTED;
            case VALIDATION_COMPLETED -> PayloadCase.VALIDATION_COMPLETED;
            case DEPENDENCY_CHECK_STARTED -> PayloadCase.DEPENDENCY_CHECK_STARTED;
            case DEPENDENCY_CHECK_COMPLETED -> PayloadCase.DEPENDENCY_CHECK_COMPLETED;
            case HEALTH_CHECK_STARTED -> PayloadCase.HEALTH_CHECK_STARTED;
            case HEALTH_CHECK_COMPLETED -> PayloadCase.HEALTH_CHECK_COMPLETED;
            default -> PayloadCase.PAYLOAD_NOT_SET;
        };
    }

    public static boolean isKnown(String type) {
        return payloadOf(type) != PayloadCase.PAYLOAD_NOT_SET;
    }

    public static Category categoryOf(String type) {
        return switch (payloadOf(type)) {
            case VALIDATION_STARTED, VALIDATION_COMPLETED -> Category.VALIDATION;
            case DEPENDENCY_CHECK_STARTED, DEPENDENCY_CHECK_COMPLETED -> Category.DEPENDENCY;
            case HEALTH_CHECK_STARTED, HEALTH_CHECK_COMPLETED -> Category.HEALTH;
            case PAYLOAD_NOT_SET -> throw new InvalidEventException("unknown event type '" + type + "'");
            default -> Category.DEPLOYMENT;
        };
    }

    /** Failure and rollback events are CRITICAL, stage events HIGH, the rest NORMAL. */
    public static Priority priorityOf(String type) {
        return switch (payloadOf(type)) {
            case DEPLOYMENT_FAILED, ROLLBACK_INITIATED, ROLLBACK_COMPLETED -> Priority.PRIORITY_CRITICAL;
            case STAGE_STARTED, STAGE_COMPLETED -> Priority.PRIORITY_HIGH;
            default -> Priority.PRIORITY_NORMAL;
        };
    }

    /**
     * Checks what every consumer relies on: a known type, the envelope's required fields, and the payload the
     * type calls for.
     *
     * @throws InvalidEventException naming the first problem found
     */
    public static DeploymentEvent requireValid(DeploymentEvent event) {
        String type = event.getType();
        if (type.isEmpty()) {
            throw new InvalidEventException("missing required field 'type'");
        }
        PayloadCase expected = payloadOf(type);
        if (expected == PayloadCase.PAYLOAD_NOT_SET) {
            throw new InvalidEventException("unknown event type '" + type + "'");
        }
        if (event.getEventId().isEmpty()) {
            throw new InvalidEventException("missing required field 'event_id' in " + type + " event");
        }
        if (event.getDeploymentId().isEmpty()) {
            throw new InvalidEventException("missing required field 'deployment_id' in " + type + " event " + event.getEventId());
        }
        if (event.getPayloadCase() != expected) {
            throw new InvalidEventException("event " + event.getEventId() + " of type " + type + " carries payload "
                    + event.getPayloadCase() + ", expected " + expected);
        }
        return event;
    }

    /**
     * The fields a well-formed event of its type carries for the workers to act on, and this one lacks: a
     * deployment:started names the version, the environment and the services. Empty when nothing is missing.
     */
    public static List<String> missingForWorkers(DeploymentEvent event) {
        if (!DEPLOYMENT_STARTED.equals(event.getType())) {
            return List.of();
        }
        var started = event.getDeploymentStarted();
        List<String> missing = new java.util.ArrayList<>();
        if (started.getVersion().isBlank()) {
            missing.add("version");
        }
        if (started.getEnvironment().isBlank()) {
            missing.add("environment");
        }
        if (started.getServicesList().isEmpty()) {
            missing.add("services");
        }
        return missing;
    }

    private static String requireStage(String stage) {
        if (stage == null || stage.isBlank() || stage.indexOf(':') >= 0) {
            throw new IllegalArgumentException("stage must be a non-empty name without ':', got '" + stage + "'");
        }
        return stage;
    }

    /** A status, result or health value as people read it: HEALTH_STATUS_HEALTHY -> HEALTHY (a stored name too). */
    public static String shortStatus(String name) {
        return STATUS_PREFIX.matcher(name).replaceFirst("");
    }

    public static String shortStatus(Enum<?> value) {
        return shortStatus(value.name());
    }

    /** A result event's verdict as people read it (PASSED, HEALTHY, FAILURE ...), empty for other events. */
    public static String verdictOf(DeploymentEvent event) {
        return switch (event.getPayloadCase()) {
            case VALIDATION_COMPLETED -> shortStatus(event.getValidationCompleted().getResult());
            case DEPENDENCY_CHECK_COMPLETED -> shortStatus(event.getDependencyCheckCompleted().getResult());
            case HEALTH_CHECK_COMPLETED -> shortStatus(event.getHealthCheckCompleted().getOverallStatus());
            case STAGE_COMPLETED -> shortStatus(event.getStageCompleted().getStatus());
            default -> "";
        };
    }
}
