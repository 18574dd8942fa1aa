package routes.app;

import java.util.ArrayList;
import java.util.List;

import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import routes.interop.CdEventsSender;
import routes.streams.RedisStreamsEndpoint;

/**
 * What an operator reads at start, in a few lines: version, where Redis, the database, the management server,
 * notifications and CDEvents (when mirrored) are, the routes and each worker's group; then "ready". Camel's own
 * summary is at DEBUG.
 */
public final class StartupSummary {

    private static final Logger LOG = LoggerFactory.getLogger("routes.Printery");

    private StartupSummary() {
    }

    public static void log(CamelContext camel) {
        LOG.info("Printery {}: Apache Camel {} ({}) started in {} ms", version(), camel.getVersion(), camel.getName(),
                java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime());
        LOG.info("Redis {}", RedisUrl.redacted(property(camel, "printery.redis.url", "")));
        LOG.info("Database {}", withoutQuery(property(camel, "printery.db.url", "")));
        if (Boolean.parseBoolean(property(camel, "camel.management.enabled", "false"))) {
            LOG.info("Management server http://{}:{} (/observe/health, /observe/metrics, /observe/jolokia, /api/dlq)",
                    property(camel, "camel.management.host", "0.0.0.0"), property(camel, "camel.management.port", "8080"));
        }
        LOG.info("Routes: {} from {}", camel.getRoutes().size(), property(camel, "camel.main.routesIncludePattern", ""));
        for (Route route : camel.getRoutes()) {
            if (route.getEndpoint() instanceof RedisStreamsEndpoint streams && streams.getConfiguration().getGroup() != null) {
                LOG.info("  {}: group {} on {} ({} consumer{})", route.getRouteId(), streams.getConfiguration().getGroup(),
                        streams.getStreams(), streams.getConfiguration().getConcurrentConsumers(),
                        streams.getConfiguration().getConcurrentConsumers() == 1 ? "" : "s");
            }
        }
        LOG.info("Notifications: {}", notifications(camel));
        String cdEvents = property(camel, "printery.cdevents.url", "").strip();
        if (!cdEvents.isEmpty()) {
            LOG.info("CDEvents: every event to {}", CdEventsSender.redacted(CdEventsConfiguration.endpoint(cdEvents)));
        }
        LOG.info("ready");
    }

    private static String notifications(CamelContext camel) {
        List<String> to = new ArrayList<>();
        boolean slack = !property(camel, "printery.notify.slack.token", "").isBlank()
                || !property(camel, "printery.notify.slack.webhook-url", "").isBlank();
        to.add(slack ? "Slack" : "Slack to the outbox");
        to.add(property(camel, "printery.notify.smtp.host", "").isBlank() ? "email to the outbox"
                : "email via " + property(camel, "printery.notify.smtp.host", "") + ":" + property(camel, "printery.notify.smtp.port", ""));
        if (!property(camel, "printery.notify.pagerduty.routing-key", "").isBlank()) {
            to.add("PagerDuty");
        }
        return String.join(", ", to) + " (outbox " + property(camel, "printery.notify.outbox", "") + ")";
    }

    private static String version() {
        String version = StartupSummary.class.getPackage().getImplementationVersion();
        return version == null ? "(development build)" : version;
    }

    /** JDBC URLs can carry a password as a parameter. */
    private static String withoutQuery(String url) {
        int query = url.indexOf('?');
        return query < 0 ? url : url.substring(0, query);
    }

    private static String property(CamelContext camel, String key, String fallback) {
        return camel.getPropertiesComponent().resolveProperty(key).orElse(fallback);
    }
}
