package routes.streams;

import java.util.List;
import java.util.Map;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * A redis-streams consumer's health, reported through its route's consumer check: not ready while Redis is
 * unreachable for it, neither ready nor live once one of its readers stopped reading (it does not come back by
 * itself). An outage leaves it live: Redis coming back is the cure, not a restart.
 */
public class RedisStreamsConsumerHealthCheck extends AbstractHealthCheck {

    private final RedisStreamsConsumer consumer;
    private final String routeId;

    public RedisStreamsConsumerHealthCheck(RedisStreamsConsumer consumer, String routeId) {
        super("camel", "consumer:redis-streams-" + routeId);
        this.consumer = consumer;
        this.routeId = routeId;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        RedisStreamsConfiguration config = consumer.getEndpoint().getConfiguration();
        builder.detail("group", config.getGroup());
        builder.detail("streams", consumer.getEndpoint().getStreams());
        if (routeId != null) {
            builder.detail("route.id", routeId);
        }
        List<String> stopped = consumer.stoppedReaders();
        if (!stopped.isEmpty()) {
            builder.down().message("Consumer(s) " + String.join(", ", stopped) + " of group " + config.getGroup()
                    + " stopped reading " + consumer.getEndpoint().getStreams());
            consumer.readerFailure().ifPresent(builder::error);
            return;
        }
        long outage = consumer.outageMillis();
        if (outage >= 0 && options.get(CHECK_KIND) != Kind.LIVENESS) {
            builder.down().message("Redis unreachable for group " + config.getGroup() + " on "
                    + consumer.getEndpoint().getStreams() + " for " + outage + " ms");
            consumer.outageCause().ifPresent(builder::error);
            return;
        }
        builder.up();
    }
}
