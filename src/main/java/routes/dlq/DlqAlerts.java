package routes.dlq;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

import org.apache.camel.AggregationStrategy;
import org.apache.camel.Exchange;

/**
 * Turns a burst of stored dead letters into one ops alert with a count (route dlq-recorder aggregates them over
 * printery.dlq.alert-window). The alert goes to {@code direct:ops-alert}: body text, header PrinteryAlertTitle.
 */
public class DlqAlerts implements AggregationStrategy {

    public static final String ALERT_TITLE = "PrinteryAlertTitle";

    private final long maxDelayMillis;

    public DlqAlerts(long maxDelayMillis) {
        this.maxDelayMillis = maxDelayMillis;
    }

    /** What the window has seen so far, kept on the aggregated exchange. */
    static final class Window {
        final long openedAt = System.currentTimeMillis();
        final Map<String, Integer> perWorker = new TreeMap<>();
        int count;
        DeadLetter latest;
    }

    @Override
    public Exchange aggregate(Exchange window, Exchange next) {
        Exchange target = window == null ? next : window;
        Window seen = target.getProperty(Window.class.getName(), Window.class);
        if (seen == null) {
            seen = new Window();
            target.setProperty(Window.class.getName(), seen);
        }
        DeadLetter letter = next.getMessage().getBody(DeadLetter.class);
        seen.count++;
        seen.perWorker.merge(letter.worker(), 1, Integer::sum);
        seen.latest = letter;
        return target;
    }

    /** Completion predicate: a steady trickle of dead letters still gets an alert every alert-max-delay. */
    public boolean overdue(Exchange window) {
        Window seen = window.getProperty(Window.class.getName(), Window.class);
        return seen != null && System.currentTimeMillis() - seen.openedAt >= maxDelayMillis;
    }

    /** Route step on completion: the alert text and title for direct:ops-alert. */
    public void alert(Exchange window) {
        Window seen = window.getProperty(Window.class.getName(), Window.class);
        DeadLetter latest = seen.latest;
        StringBuilder text = new StringBuilder();
        text.append(seen.count).append(seen.count == 1 ? " event was" : " events were")
                .append(" dead-lettered since ").append(Instant.ofEpochMilli(seen.openedAt)).append(" (");
        seen.perWorker.forEach((worker, n) -> text.append(worker).append(' ').append(n).append(", "));
        text.setLength(text.length() - 2);
        text.append(").\nLatest: ").append(latest.id()).append(" from ").append(latest.sourceStream())
                .append(latest.eventType() == null || latest.eventType().isEmpty() ? "" : " (" + latest.eventType() + ")")
                .append(": ").append(latest.exceptionClass()).append(": ").append(latest.exceptionMessage())
                .append("\nReview with `printery dlq list` or GET /api/dlq; replay with `printery dlq replay ID`.");
        window.getMessage().setBody(text.toString());
        window.getMessage().setHeader(ALERT_TITLE, "Printery: " + seen.count + " dead letter" + (seen.count == 1 ? "" : "s"));
        window.getMessage().setHeader("PrinteryDeadLetterCount", seen.count);
    }
}
