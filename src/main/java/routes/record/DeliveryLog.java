package routes.record;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import javax.sql.DataSource;

import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import routes.events.EntryLayout;
import routes.streams.RedisStreamsConstants;

/**
 * The record's notification delivery log (table notification_delivery): the notifier's fan-out (routes.yaml) records
 * each attempt to send a deployment's event to a channel, sent or failed. A log that cannot be written costs the log
 * line, never the notification: a sent one is not sent again for it.
 */
public class DeliveryLog {

    /** Exchange properties the fan-out sets from the notification before sending it. */
    public static final String CHANNEL = "PrinteryDeliveryChannel";
    public static final String TARGET = "PrinteryDeliveryTarget";
    public static final String SINK = "PrinteryDeliverySink";

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryLog.class);

    private final JdbcTemplate jdbc;
    private final Consumer<String> changed;

    /** @param changed told the deployment id after each delivery recorded (the record's feed) */
    public DeliveryLog(DataSource dataSource, Consumer<String> changed) {
        this.jdbc = new JdbcTemplate(dataSource);
        this.changed = changed;
    }

    /** After a send went out. */
    public void sent(Exchange exchange) {
        write(exchange, "SENT", null);
    }

    /** After a send failed: records it, then fails the exchange again with what the send threw. */
    public void failed(Exchange exchange) throws Exception {
        Exception cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        write(exchange, "FAILED", cause == null ? "unknown failure" : String.valueOf(cause.getMessage()));
        if (cause != null) {
            throw cause;
        }
    }

    private void write(Exchange exchange, String outcome, String error) {
        String deployment = exchange.getMessage().getHeader(EntryLayout.DEPLOYMENT_ID, String.class);
        if (deployment == null || deployment.isEmpty()) {
            return;
        }
        // Attempts of this delivery of the entry (Camel's redeliveries), counted on from the stream's earlier ones.
        int redelivery = exchange.getMessage().getHeader(Exchange.REDELIVERY_COUNTER, 0, Integer.class);
        long deliveries = exchange.getMessage().getHeader(RedisStreamsConstants.DELIVERY_COUNT, 1L, Long.class);
        try {
            jdbc.update("INSERT INTO notification_delivery (deployment_id, event_id, event_type, channel, target, sink, "
                            + "attempted_at, outcome, attempt, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", deployment,
                    exchange.getMessage().getHeader(EntryLayout.EVENT_ID, "", String.class),
                    exchange.getMessage().getHeader(EntryLayout.EVENT_TYPE, "", String.class),
                    exchange.getProperty(CHANNEL, "", String.class), exchange.getProperty(TARGET, "", String.class),
                    exchange.getProperty(SINK, "", String.class), Instant.now().toEpochMilli(), outcome,
                    (int) Math.max(1, deliveries) + redelivery, error == null ? null : truncate(error));
        } catch (DataAccessException e) {
            LOG.warn("Delivery of {} to {} not recorded: {}", deployment, exchange.getProperty(CHANNEL), e.getMessage());
            return;
        }
        try {
            changed.accept(deployment);
        } catch (RuntimeException e) {
            // The delivery is in the record; a live view sees it with the deployment's next change or on reload.
            LOG.warn("Delivery of {} to {} not announced to live views: {}", deployment, exchange.getProperty(CHANNEL),
                    e.getMessage());
        }
    }

    /** A deployment's deliveries, oldest first. */
    public List<Map<String, Object>> of(String deploymentId) {
        return jdbc.query("SELECT channel, target, sink, attempted_at, outcome, attempt, error, event_type, event_id "
                + "FROM notification_delivery WHERE deployment_id = ? ORDER BY attempted_at, id", (rs, n) -> {
                    Map<String, Object> row = new java.util.LinkedHashMap<>();
                    row.put("channel", rs.getString(1));
                    row.put("target", rs.getString(2));
                    row.put("sink", rs.getString(3));
                    row.put("at", Instant.ofEpochMilli(rs.getLong(4)).toString());
                    row.put("outcome", rs.getString(5));
                    row.put("attempt", rs.getInt(6));
                    row.put("error", rs.getString(7));
                    row.put("event_type", rs.getString(8));
                    row.put("event_id", rs.getString(9));
                    return row;
                }, deploymentId);
    }

    private static String truncate(String text) {
        return text.length() <= 4000 ? text : text.substring(0, 4000);
    }
}
