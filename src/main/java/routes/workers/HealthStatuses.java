package routes.workers;

import routes.events.proto.HealthStatus;

/**
 * How statuses combine: the worst wins, in the order HEALTHY &lt; INCONCLUSIVE &lt; DEGRADED &lt; UNHEALTHY. So a
 * result is INCONCLUSIVE only when nothing is worse and something could not be judged (no traffic).
 */
final class HealthStatuses {

    private HealthStatuses() {
    }

    static HealthStatus worst(HealthStatus a, HealthStatus b) {
        return severity(b) > severity(a) ? b : a;
    }

    private static int severity(HealthStatus status) {
        return switch (status) {
            case HEALTH_STATUS_HEALTHY -> 0;
            case HEALTH_STATUS_INCONCLUSIVE -> 1;
            case HEALTH_STATUS_DEGRADED -> 2;
            case HEALTH_STATUS_UNHEALTHY -> 3;
            default -> throw new IllegalArgumentException("no severity for " + status);
        };
    }
}
