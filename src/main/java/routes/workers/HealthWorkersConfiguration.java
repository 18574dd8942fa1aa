package routes.workers;

import java.time.Duration;

import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Configuration;
import org.apache.camel.PropertyInject;
import org.apache.camel.util.TimeUtils;
import routes.manifest.Manifest;

/** The dependency checker and the health monitor, configured from printery.dependency.* and printery.health.*. */
@Configuration
public class HealthWorkersConfiguration implements CamelConfiguration {

    @BindToRegistry("healthThresholds")
    public HealthThresholds healthThresholds(@PropertyInject("printery.health.response-time.degraded") String degraded,
                                             @PropertyInject("printery.health.response-time.unhealthy") String unhealthy,
                                             @PropertyInject("printery.health.error-rate.degraded") double degradedRate,
                                             @PropertyInject("printery.health.error-rate.unhealthy") double unhealthyRate) {
        return new HealthThresholds(TimeUtils.toMilliSeconds(degraded), TimeUtils.toMilliSeconds(unhealthy), degradedRate,
                unhealthyRate);
    }

    @BindToRegistry(value = "dependencyChecker", destroyMethod = "close")
    public DependencyChecker dependencyChecker(CamelContext context, Manifest manifest, HealthThresholds healthThresholds,
                                               @PropertyInject("printery.dependency.check-timeout") String timeout) {
        long timeoutMs = TimeUtils.toMilliSeconds(timeout);
        // Threads come and go with the checks; Camel shuts the pool down with the context.
        var executor = context.getExecutorServiceManager().newCachedThreadPool(this, "DependencyChecks");
        return new DependencyChecker(manifest, healthThresholds, new DependencyProbe(Duration.ofMillis(timeoutMs)),
                timeoutMs, executor);
    }

    @BindToRegistry("healthMonitor")
    public HealthMonitor healthMonitor(Manifest manifest, HealthThresholds healthThresholds,
                                       @PropertyInject("printery.health.window") String window,
                                       @PropertyInject("printery.health.samples") int samples,
                                       @PropertyInject("printery.health.request-counter") String requestCounter) {
        return new HealthMonitor(manifest, healthThresholds, TimeUtils.toMilliSeconds(window), samples, requestCounter);
    }
}
