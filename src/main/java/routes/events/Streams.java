package routes.events;

import routes.events.EventTypes.Category;

/**
 * The stream topology. Names come from application.properties (printery.streams.*), which routes.yaml reads too.
 *
 * @param deployment lifecycle events written by the orchestrator
 * @param validation validator results
 * @param dependency dependency checker results
 * @param health     health monitor results
 * @param dlq        dead letters
 */
public record Streams(String deployment, String validation, String dependency, String health, String dlq) {

    /** The stream an event of this type is published on. */
    public String forType(String type) {
        return forCategory(EventTypes.categoryOf(type));
    }

    public String forCategory(Category category) {
        return switch (category) {
            case DEPLOYMENT -> deployment;
            case VALIDATION -> validation;
            case DEPENDENCY -> dependency;
            case HEALTH -> health;
        };
    }
}
