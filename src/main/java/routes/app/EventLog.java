package routes.app;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePropertyKey;
import org.apache.camel.Message;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.spi.CamelEvent.ExchangeCompletedEvent;
import org.apache.camel.spi.CamelEvent.ExchangeEvent;
import org.apache.camel.spi.CamelEvent.ExchangeFailedEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;
import routes.deploy.DeploymentMdc;
import routes.events.EntryLayout;
import routes.events.EventTypes;
import routes.events.proto.DeploymentEvent;
import routes.streams.RedisStreamsConstants;
import routes.streams.RedisStreamsEndpoint;
import routes.workers.notify.Notification;

/**
 * One line per stream entry a route handled, when its handling ends: the route (the worker), the event's type and
 * deployment, the outcome and how long it took; the correlation id is in the logging MDC. A route names its outcome
 * in exchange property {@value #OUTCOME} ({@link #outcome} makes it from what the worker returned); entries a route
 * only passes by (types it does not handle) have none and are logged at DEBUG. Failures that leave the entry pending
 * are WARN; dead letters INFO (the dead letter route logs its WARN).
 */
public class EventLog extends EventNotifierSupport {

    public static final String OUTCOME = "PrinteryOutcome";

    private static final Logger LOG = LoggerFactory.getLogger(EventLog.class);

    private volatile MeterRegistry meters;
    private final Map<String, Map<Kind, Timer>> timers = new ConcurrentHashMap<>();

    public EventLog() {
        setIgnoreCamelContextEvents(true);
        setIgnoreCamelContextInitEvents(true);
        setIgnoreRouteEvents(true);
        setIgnoreServiceEvents(true);
        setIgnoreStepEvents(true);
        setIgnoreExchangeCreatedEvent(true);
        setIgnoreExchangeSendingEvents(true);
        setIgnoreExchangeSentEvents(true);
        setIgnoreExchangeRedeliveryEvents(true);
        setIgnoreExchangeAsyncProcessingStartedEvents(true);
    }

    /**
     * From now on also a timer per route and outcome (handled, dead-lettered, failed, duplicate, passed):
     * printery_events_seconds, so Prometheus sees each worker's handling time and its dead letters.
     */
    void measureWith(MeterRegistry registry) {
        this.meters = registry;
    }

    /** The outcome of what a worker returned: a result event's type and verdict, notifications' channels. */
    public String outcome(Object result) {
        if (result instanceof DeploymentEvent event) {
            String verdict = EventTypes.verdictOf(event);
            return event.getType() + (verdict.isEmpty() ? "" : " " + verdict);
        }
        if (result instanceof Collection<?> items && items.stream().allMatch(Notification.class::isInstance)) {
            return items.isEmpty() ? "no notification" : "notified " + items.stream()
                    .map(n -> ((Notification) n).getChannel()).collect(Collectors.joining(", "));
        }
        return result == null ? "nothing to publish" : "done";
    }

    @Override
    public boolean isEnabled(CamelEvent event) {
        if (!(event instanceof ExchangeCompletedEvent || event instanceof ExchangeFailedEvent)) {
            return false;
        }
        Exchange exchange = ((ExchangeEvent) event).getExchange();
        // An entry's own exchange, read by a route's consumer: not one a producer template made to publish (it has
        // no route), nor the copies a split makes of it (they name it as their correlation).
        return exchange.getFromEndpoint() instanceof RedisStreamsEndpoint && exchange.getFromRouteId() != null
                && exchange.getProperty(ExchangePropertyKey.CORRELATION_ID) == null;
    }

    @Override
    public void notify(CamelEvent event) {
        Exchange exchange = ((ExchangeEvent) event).getExchange();
        String route = exchange.getFromRouteId();
        Kind kind = Kind.of(exchange);
        long ms = exchange.getClock().elapsed();
        if (meters != null) {
            timer(route, kind).record(ms, TimeUnit.MILLISECONDS);
            if (kind == Kind.DEAD_LETTERED) {
                Counter.builder("printery_dead_letters").description("entries dead-lettered, by source stream and group")
                        .tags("stream", exchange.getIn().getHeader(RedisStreamsConstants.STREAM, "", String.class),
                                "group", exchange.getIn().getHeader(RedisStreamsConstants.GROUP, "", String.class))
                        .register(meters).increment();
            }
        }
        if (!LOG.isEnabledForLevel(kind.level)) {
            return;
        }
        Message in = exchange.getIn();
        String type = in.getHeader(EntryLayout.EVENT_TYPE, "(no type)", String.class);
        String deployment = in.getHeader(EntryLayout.DEPLOYMENT_ID, "(none)", String.class);
        // The event notifier runs after the exchange's own logging context is gone: the line gets it again.
        try (DeploymentMdc mdc = DeploymentMdc.of(in.getHeader(EntryLayout.CORRELATION_ID, String.class),
                in.getHeader(EntryLayout.DEPLOYMENT_ID, String.class))) {
            switch (kind) {
                case FAILED -> LOG.warn("{}: {} of deployment {} failed after {} ms, its entry stays pending: {}", route,
                        type, deployment, ms, describe(exchange.getException()));
                case DEAD_LETTERED -> LOG.info("{}: {} of deployment {} dead-lettered after {} ms: {}", route, type,
                        deployment, ms, describe(exchange.getProperty(ExchangePropertyKey.EXCEPTION_CAUGHT, Throwable.class)));
                case DUPLICATE -> LOG.info("{}: {} of deployment {} handled before, skipped", route, type, deployment);
                case HANDLED -> LOG.info("{}: {} of deployment {}: {} in {} ms", route, type, deployment,
                        exchange.getProperty(OUTCOME, String.class), ms);
                case PASSED -> LOG.debug("{}: {} of deployment {} passed by", route, type, deployment);
            }
        }
    }

    /** Each route and outcome's timer, built once rather than for every entry. */
    private Timer timer(String route, Kind kind) {
        Map<Kind, Timer> ofRoute = timers.get(route);
        if (ofRoute == null) {
            ofRoute = timers.computeIfAbsent(route, r -> new ConcurrentHashMap<>());
        }
        Timer timer = ofRoute.get(kind);
        if (timer == null) {
            timer = ofRoute.computeIfAbsent(kind, k -> Timer.builder("printery_events")
                    .description("handling of a stream entry, from read to done")
                    .tags("route", route, "outcome", k.tag).register(meters));
        }
        return timer;
    }

    /** How an entry's handling ended: its timer's outcome tag and the level of its line. */
    private enum Kind {
        FAILED("failed", Level.WARN),
        DEAD_LETTERED("dead-lettered", Level.INFO),
        DUPLICATE("duplicate", Level.INFO),
        HANDLED("handled", Level.INFO),
        PASSED("passed", Level.DEBUG);

        final String tag;
        final Level level;

        Kind(String tag, Level level) {
            this.tag = tag;
            this.level = level;
        }

        static Kind of(Exchange exchange) {
            if (exchange.getException() != null) {
                return FAILED;
            }
            if (exchange.getProperty(ExchangePropertyKey.EXCEPTION_CAUGHT) != null) {
                return DEAD_LETTERED;
            }
            if (exchange.getProperty(ExchangePropertyKey.DUPLICATE_MESSAGE, false, Boolean.class)) {
                return DUPLICATE;
            }
            return exchange.getProperty(OUTCOME) != null ? HANDLED : PASSED;
        }
    }

    private static String describe(Throwable failure) {
        return failure.getClass().getSimpleName() + ": " + failure.getMessage();
    }
}
