package routes.dlq;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.util.ObjectHelper;
import routes.events.EntryLayout;
import routes.streams.RedisStreamsConstants;

/**
 * The dead letter's stream entry: built from a failed worker exchange (route dlq-dead-letter) and read back by the
 * recorder. The entry keeps the standard layout (type, event_id, deployment_id, correlation_id, payload) so
 * {@code printery tail --stream materi:dlq:deployment-failed} shows the events, plus the fields below.
 */
public class DeadLetters {

    /** Set by each worker's routeConfiguration (interceptFrom); the failing route id stands in when missing. */
    public static final String WORKER_CATEGORY = "PrinteryWorkerCategory";

    static final String SOURCE_STREAM = "source_stream";
    static final String SOURCE_ENTRY_ID = "source_entry_id";
    static final String GROUP = "group";
    static final String WORKER = "worker";
    static final String ROUTE_ID = "route_id";
    static final String ATTEMPTS = "attempts";
    static final String EXCEPTION_CLASS = "exception_class";
    static final String EXCEPTION_MESSAGE = "exception_message";
    static final String FIRST_FAILURE_AT = "first_failure_at";
    static final String LAST_FAILURE_AT = "last_failure_at";
    static final String DEAD_LETTERED_AT = "dead_lettered_at";

    private static final int MAX_MESSAGE = 4000;

    /** The DLQ entry for the failed exchange the dead letter channel hands over (original message, caught exception). */
    public Map<String, Object> toEntry(Exchange exchange) {
        Message in = exchange.getIn();
        Throwable failure = unwrapped(exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class));
        long now = System.currentTimeMillis();
        long first = exchange.getProperty(FailureClock.FIRST_FAILURE_AT, now, Long.class);
        long last = exchange.getProperty(FailureClock.LAST_FAILURE_AT, now, Long.class);
        String routeId = exchange.getProperty(Exchange.FAILURE_ROUTE_ID, exchange.getFromRouteId(), String.class);
        String worker = exchange.getProperty(WORKER_CATEGORY, routeId, String.class);

        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put(EntryLayout.FIELD_TYPE, in.getHeader(EntryLayout.EVENT_TYPE, "", String.class));
        entry.put(EntryLayout.FIELD_EVENT_ID, in.getHeader(EntryLayout.EVENT_ID, "", String.class));
        entry.put(EntryLayout.FIELD_DEPLOYMENT_ID, in.getHeader(EntryLayout.DEPLOYMENT_ID, "", String.class));
        entry.put(EntryLayout.FIELD_CORRELATION_ID, in.getHeader(EntryLayout.CORRELATION_ID, "", String.class));
        entry.put(SOURCE_STREAM, in.getHeader(RedisStreamsConstants.STREAM, "", String.class));
        entry.put(SOURCE_ENTRY_ID, in.getHeader(RedisStreamsConstants.ENTRY_ID, "", String.class));
        entry.put(GROUP, in.getHeader(RedisStreamsConstants.GROUP, "", String.class));
        entry.put(WORKER, worker == null ? "unknown" : worker);
        entry.put(ROUTE_ID, routeId == null ? "" : routeId);
        entry.put(ATTEMPTS, String.valueOf(exchange.getProperty(FailureClock.ATTEMPTS, 1, Integer.class)));
        entry.put(EXCEPTION_CLASS, failure == null ? "unknown" : failure.getClass().getName());
        entry.put(EXCEPTION_MESSAGE, reason(failure));
        entry.put(FIRST_FAILURE_AT, Instant.ofEpochMilli(first).toString());
        entry.put(LAST_FAILURE_AT, Instant.ofEpochMilli(last).toString());
        entry.put(DEAD_LETTERED_AT, Instant.ofEpochMilli(now).toString());
        Object body = in.getBody();
        if (body instanceof byte[] payload) {
            entry.put(EntryLayout.FIELD_PAYLOAD, payload);
        } else if (body != null) {
            // Not the entry as read: a dead letter without its payload would lose the event once the source is acked,
            // so the dead letter fails and the source entry stays pending.
            throw new IllegalStateException("dead letter of entry " + entry.get(SOURCE_ENTRY_ID) + " carries a "
                    + body.getClass().getName() + " instead of the entry's payload (is useOriginalMessage set?)");
        }
        return entry;
    }

    /**
     * The dead letter the recorder's consumer delivered (its fields as CamelRedisStreamsField.* headers, payload as
     * body). Whatever wrote the entry,
     * the record fits its table, so that recording cannot fail for good: text is cut to its column's width, an
     * unreadable count or time takes its default, and an event field too long to keep is left out (the payload keeps
     * the event whole, and a replay fills the entry's fields from it).
     */
    public DeadLetter fromEntry(Exchange exchange) {
        Message in = exchange.getIn();
        byte[] payload = in.getHeader(RedisStreamsConstants.ENTRY_ERROR) == null ? in.getBody(byte[].class) : null;
        Instant deadLettered = orDefault(instant(in, DEAD_LETTERED_AT), Instant.now());
        return new DeadLetter(in.getHeader(RedisStreamsConstants.ENTRY_ID, String.class),
                cut(orDefault(field(in, SOURCE_STREAM), ""), 256), cut(orDefault(field(in, SOURCE_ENTRY_ID), ""), 64),
                cut(orDefault(field(in, GROUP), ""), 256), cut(orDefault(field(in, WORKER), "unknown"), 64),
                cut(field(in, ROUTE_ID), 256), attempts(field(in, ATTEMPTS)),
                cut(orDefault(field(in, EXCEPTION_CLASS), "unknown"), 512), cut(field(in, EXCEPTION_MESSAGE), MAX_MESSAGE),
                orDefault(instant(in, FIRST_FAILURE_AT), deadLettered), orDefault(instant(in, LAST_FAILURE_AT), deadLettered),
                deadLettered, eventField(in, EntryLayout.EVENT_TYPE), eventField(in, EntryLayout.EVENT_ID),
                eventField(in, EntryLayout.DEPLOYMENT_ID), eventField(in, EntryLayout.CORRELATION_ID),
                payload, payload == null ? 0 : payload.length, null, 0, null);
    }

    /**
     * A split that stops on the first failure (stopOnException) reports it wrapped in a plain CamelExchangeException
     * ("Sequential processing failed for number N. Exchange[...]"): the failure itself is what ops need to read.
     */
    static Throwable unwrapped(Throwable failure) {
        Throwable unwrapped = failure;
        while (unwrapped != null && unwrapped.getClass() == org.apache.camel.CamelExchangeException.class
                && unwrapped.getCause() != null) {
            unwrapped = unwrapped.getCause();
        }
        return unwrapped;
    }

    /** The exception's message and, when it wraps another, the root cause: what ops need to judge a replay. */
    static String reason(Throwable failure) {
        if (failure == null) {
            return "";
        }
        StringBuilder reason = new StringBuilder(String.valueOf(failure.getMessage()));
        // Camel's walk of the causes starts at the root cause.
        Throwable root = ObjectHelper.createExceptionIterator(failure).next();
        if (root != failure) {
            reason.append(" (caused by ").append(root.getClass().getName()).append(": ").append(root.getMessage()).append(')');
        }
        return cut(reason.toString(), MAX_MESSAGE);
    }

    private static String field(Message in, String name) {
        Object value = in.getHeader(RedisStreamsConstants.FIELD_HEADER_PREFIX + name);
        if (value instanceof byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
        return value == null ? null : value.toString();
    }

    private static Instant instant(Message in, String name) {
        String text = field(in, name);
        try {
            return text == null || text.isEmpty() ? null : Instant.parse(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static int attempts(String text) {
        try {
            return text == null || text.isEmpty() ? 1 : Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    /** The event fields' columns hold 256 characters: a longer value is no id or type anyone can use. */
    private static String eventField(Message in, String header) {
        String value = in.getHeader(header, String.class);
        return value != null && value.length() > 256 ? null : cut(value, 256);
    }

    /** At most {@code width} characters, without NUL (which PostgreSQL refuses in text). */
    private static String cut(String text, int width) {
        if (text == null) {
            return null;
        }
        String clean = text.indexOf('\u0000') < 0 ? text : text.replace("\u0000", "");
        return clean.length() > width ? clean.substring(0, width) : clean;
    }

    private static <T> T orDefault(T value, T fallback) {
        return value == null || "".equals(value) ? fallback : value;
    }
}
