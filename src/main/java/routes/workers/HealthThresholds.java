package routes.workers;

import java.math.BigDecimal;
import java.util.Locale;

import routes.events.proto.HealthStatus;

/**
 * The limits both health workers judge by, from printery.health.* (one place for them): a response faster than
 * {@code degradedResponseMs} is healthy, faster than {@code unhealthyResponseMs} degraded, else unhealthy; an error
 * rate below {@code degradedErrorRate} is healthy, below {@code unhealthyErrorRate} degraded, else unhealthy.
 */
public record HealthThresholds(long degradedResponseMs, long unhealthyResponseMs, double degradedErrorRate,
                               double unhealthyErrorRate) {

    public HealthThresholds {
        if (degradedResponseMs <= 0 || unhealthyResponseMs <= degradedResponseMs) {
            throw new IllegalArgumentException("response time thresholds must satisfy 0 < degraded < unhealthy, got "
                    + degradedResponseMs + " ms and " + unhealthyResponseMs + " ms");
        }
        if (degradedErrorRate <= 0 || unhealthyErrorRate <= degradedErrorRate || unhealthyErrorRate > 1) {
            throw new IllegalArgumentException("error rate thresholds must satisfy 0 < degraded < unhealthy <= 1, got "
                    + degradedErrorRate + " and " + unhealthyErrorRate);
        }
    }

    public HealthStatus responseTime(long ms) {
        if (ms < degradedResponseMs) {
            return HealthStatus.HEALTH_STATUS_HEALTHY;
        }
        return ms < unhealthyResponseMs ? HealthStatus.HEALTH_STATUS_DEGRADED : HealthStatus.HEALTH_STATUS_UNHEALTHY;
    }

    /** The limit a response time of that status crossed, for messages ("1500 ms >= 1000 ms"). */
    public long responseLimit(HealthStatus status) {
        return status == HealthStatus.HEALTH_STATUS_UNHEALTHY ? unhealthyResponseMs : degradedResponseMs;
    }

    public HealthStatus errorRate(double rate) {
        if (rate < degradedErrorRate) {
            return HealthStatus.HEALTH_STATUS_HEALTHY;
        }
        return rate < unhealthyErrorRate ? HealthStatus.HEALTH_STATUS_DEGRADED : HealthStatus.HEALTH_STATUS_UNHEALTHY;
    }

    /** The limit an error rate of that status crossed, as a percentage ("5%"). */
    public String errorLimit(HealthStatus status) {
        return percent(status == HealthStatus.HEALTH_STATUS_UNHEALTHY ? unhealthyErrorRate : degradedErrorRate);
    }

    static String percent(double rate) {
        return BigDecimal.valueOf(rate * 100).stripTrailingZeros().toPlainString() + "%";
    }

    static String percentOneDecimal(double rate) {
        return String.format(Locale.ROOT, "%.1f%%", rate * 100);
    }
}
