package routes.app;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Route;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.connection.stream.PendingMessagesSummary;
import org.springframework.data.redis.connection.stream.StreamInfo;
import org.springframework.data.redis.core.StringRedisTemplate;
import routes.events.Streams;
import routes.streams.RedisStreamsConsumer;
import routes.streams.RedisStreamsEndpoint;

/**
 * What Prometheus cannot learn from the routes' own meters, read every {@code interval} into gauges (so a scrape
 * never waits on Redis or the database): per stream and consumer group the lag (entries not yet delivered to the
 * group), the pending entries and the age of the oldest pending one; the DLQ's size (dead letters not replayed); the
 * deployments by phase and the age of the oldest one running; and per stream and group the entries claimed from
 * other consumers, counted by the routes' consumers.
 */
public class PrinteryMetrics extends ServiceSupport implements CamelContextAware {

    private static final Logger LOG = LoggerFactory.getLogger(PrinteryMetrics.class);
    private static final List<String> PHASES = List.of("PENDING", "VALIDATING", "DEPLOYING", "GATING", "ROLLING_BACK",
            "COMPLETED", "FAILED", "ROLLED_BACK", "CANCELLED");

    private final MeterRegistry registry;
    private final StringRedisTemplate redis;
    private final DataSource dataSource;
    private final Streams streams;
    private final Duration interval;
    private final Clock clock;
    private final Map<String, double[]> groups = new ConcurrentHashMap<>();
    private final Map<String, Double> values = new ConcurrentHashMap<>();
    private CamelContext camel;
    private ScheduledExecutorService poller;

    public PrinteryMetrics(MeterRegistry registry, StringRedisTemplate redis, DataSource dataSource, Streams streams,
                           Duration interval, Clock clock) {
        this.registry = registry;
        this.redis = redis;
        this.dataSource = dataSource;
        this.streams = streams;
        this.interval = interval;
        this.clock = clock;
    }

    @Override
    public CamelContext getCamelContext() {
        return camel;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camel = camelContext;
    }

    @Override
    protected void doStart() {
        gauge("printery_dlq_size", Tags.empty(), "dlq");
        for (String phase : PHASES) {
            gauge("printery_deployments", Tags.of("phase", phase), "phase:" + phase);
        }
        gauge("printery_deployment_running_oldest_seconds", Tags.empty(), "oldest-running");
        for (Route route : camel.getRoutes()) {
            if (route.getEndpoint() instanceof RedisStreamsEndpoint endpoint) {
                for (String stream : endpoint.getStreamList()) {
                    FunctionCounter.builder("printery_stream_claims", camel, c -> claims(c, route.getRouteId(), stream))
                            .description("entries the group's consumers claimed from other consumers (idle too long)")
                            .tags("stream", stream, "group", endpoint.getConfiguration().getGroup()).register(registry);
                }
            }
        }
        poller = camel.getExecutorServiceManager().newSingleThreadScheduledExecutor(this, "PrinteryMetrics");
        poller.scheduleWithFixedDelay(this::poll, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    protected void doStop() {
        if (poller != null) {
            camel.getExecutorServiceManager().shutdown(poller);
        }
    }

    private void gauge(String name, Tags tags, String key) {
        Gauge.builder(name, values, v -> v.getOrDefault(key, Double.NaN)).tags(tags).register(registry);
    }

    void poll() {
        try {
            for (String stream : List.of(streams.deployment(), streams.validation(), streams.dependency(),
                    streams.health(), streams.dlq())) {
                pollGroups(stream);
            }
        } catch (RuntimeException e) {
            LOG.debug("Stream metrics not read: {}", e.getMessage());
        }
        try {
            pollDatabase();
        } catch (Exception e) {
            LOG.debug("Database metrics not read: {}", e.getMessage());
        }
    }

    /** XINFO GROUPS (lag, pending) and XPENDING's oldest entry of each group of the stream. */
    private void pollGroups(String stream) {
        if (!Boolean.TRUE.equals(redis.hasKey(stream))) {
            return;
        }
        for (StreamInfo.XInfoGroup group : redis.opsForStream().groups(stream)) {
            double[] figures = groups.computeIfAbsent(stream + "\u0000" + group.groupName(),
                    key -> register(stream, group.groupName()));
            // lag: Redis 7 and later; NaN where the server does not know it.
            figures[0] = number(group.getRaw().get("lag"));
            figures[1] = group.pendingCount();
            figures[2] = group.pendingCount() > 0 ? oldestPendingSeconds(stream, group.groupName()) : 0;
        }
    }

    private double[] register(String stream, String group) {
        double[] figures = {Double.NaN, Double.NaN, Double.NaN};
        Tags tags = Tags.of("stream", stream, "group", group);
        Gauge.builder("printery_stream_lag", figures, f -> f[0]).tags(tags)
                .description("entries of the stream not yet delivered to the group").register(registry);
        Gauge.builder("printery_stream_pending", figures, f -> f[1]).tags(tags)
                .description("entries delivered to the group and not acked").register(registry);
        Gauge.builder("printery_stream_oldest_pending_seconds", figures, f -> f[2]).tags(tags)
                .description("age of the group's oldest pending entry").register(registry);
        return figures;
    }

    private double oldestPendingSeconds(String stream, String group) {
        PendingMessagesSummary summary = redis.opsForStream().pending(stream, group);
        if (summary == null || summary.getTotalPendingMessages() == 0 || summary.minMessageId() == null) {
            return 0;
        }
        String oldest = summary.minMessageId();
        long millis = Long.parseLong(oldest.substring(0, oldest.indexOf('-')));
        return Math.max(0, (clock.millis() - millis) / 1000.0);
    }

    private void pollDatabase() throws Exception {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            try (ResultSet rs = statement.executeQuery("SELECT COUNT(*) FROM dead_letter WHERE replayed_at IS NULL")) {
                rs.next();
                values.put("dlq", (double) rs.getLong(1));
            }
            Map<String, Double> phases = new HashMap<>();
            PHASES.forEach(p -> phases.put(p, 0.0));
            try (ResultSet rs = statement.executeQuery("SELECT phase, COUNT(*) FROM deployment_run GROUP BY phase")) {
                while (rs.next()) {
                    phases.put(rs.getString(1), (double) rs.getLong(2));
                }
            }
            phases.forEach((phase, n) -> values.put("phase:" + phase, n));
            try (ResultSet rs = statement.executeQuery("SELECT MIN(started_at) FROM deployment_run WHERE phase IN "
                    + "('PENDING', 'VALIDATING', 'DEPLOYING', 'GATING', 'ROLLING_BACK')")) {
                rs.next();
                Timestamp oldest = rs.getTimestamp(1);
                values.put("oldest-running", oldest == null ? 0 : Math.max(0, (clock.millis() - oldest.getTime()) / 1000.0));
            }
        }
    }

    /** The route's consumer as it is now (a restarted route has a new one, counting from 0). */
    private static double claims(CamelContext camel, String routeId, String stream) {
        Route route = camel.getRoute(routeId);
        return route != null && route.getConsumer() instanceof RedisStreamsConsumer consumer
                ? consumer.getClaimedEntries(stream) : 0;
    }

    private static double number(Object value) {
        if (value == null) {
            return Double.NaN;
        }
        return value instanceof Number n ? n.doubleValue() : Double.parseDouble(String.valueOf(value));
    }

}
