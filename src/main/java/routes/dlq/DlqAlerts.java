package routes.dlq;

import java.time.Clock;
import java.time.Duration;

import org.apache.camel.Exchange;
import org.apache.camel.Message;

/**
 * Turns a burst of stored dead letters into one ops alert with a count (route dlq-alert, on a timer). The window is
 * the dead letters' own alert columns in Printery's database, not memory: an alert due when the app stopped or died
 * goes out after the restart, and instances sharing the database send it once. The alert goes to
 * {@code direct:ops-alert}: body text, header PrinteryAlertTitle.
 */
public class DlqAlerts {

    public static final String ALERT_TITLE = "PrinteryAlertTitle";
    /** Exchange property: the alert being sent (the ops-alert route drops Printery* headers). */
    static final String ALERT_ID = "PrinteryAlertId";

    private final DlqStore store;
    private final Duration window;
    private final Duration maxDelay;
    private final Duration staleClaim;
    private final Clock clock;

    /**
     * @param window     quiet time after the last dead letter before the alert goes out
     * @param maxDelay   a steady trickle still gets an alert this long after its first dead letter
     * @param staleClaim a claimed alert not marked sent after this is sent again (its process died)
     */
    public DlqAlerts(DlqStore store, Duration window, Duration maxDelay, Duration staleClaim, Clock clock) {
        this.store = store;
        this.window = window;
        this.maxDelay = maxDelay;
        this.staleClaim = staleClaim;
        this.clock = clock;
    }

    /** Route step: claims the dead letters of an alert that is due and makes its text and title; none, body null. */
    public void due(Exchange exchange) {
        Message message = exchange.getMessage();
        message.setBody(null);
        store.claimDueAlert(clock.instant(), window, maxDelay, staleClaim).ifPresent(alert -> {
            DeadLetter latest = alert.latest();
            StringBuilder text = new StringBuilder();
            text.append(alert.count()).append(alert.count() == 1 ? " event was" : " events were")
                    .append(" dead-lettered since ").append(alert.since()).append(" (");
            alert.perWorker().forEach((worker, n) -> text.append(worker).append(' ').append(n).append(", "));
            text.setLength(text.length() - 2);
            text.append(").\nLatest: ").append(latest.id()).append(" from ").append(latest.sourceStream())
                    .append(latest.eventType() == null || latest.eventType().isEmpty() ? "" : " (" + latest.eventType() + ")")
                    .append(": ").append(latest.exceptionClass()).append(": ").append(latest.exceptionMessage())
                    .append("\nReview with `printery dlq list` or GET /api/dlq; replay with `printery dlq replay ID`.");
            message.setBody(text.toString());
            message.setHeader(ALERT_TITLE, "Printery: " + alert.count() + " dead letter" + (alert.count() == 1 ? "" : "s"));
            message.setHeader("PrinteryDeadLetterCount", alert.count());
            exchange.setProperty(ALERT_ID, alert.id());
        });
    }

    /** Route step after the send, failed or not: the alert's dead letters are alerted. */
    public void sent(Exchange exchange) {
        store.alerted(exchange.getProperty(ALERT_ID, String.class), clock.instant());
    }
}
