package routes.workers.notify;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a notification says about one event, the same on every channel: Slack and email get {@link #text()},
 * the outbox {@link #line()}, PagerDuty the fields.
 *
 * @param kind          the routing kind (see {@link Notifier#classify}), e.g. deployment-failed
 * @param title         one line for humans, e.g. "Deployment failed"
 * @param critical      whether the message reports a failure
 * @param eventType     the event's type string
 * @param eventId       the event's id
 * @param deploymentId  the deployment
 * @param version       the version being deployed, "" when the event does not carry it
 * @param environment   the target environment, "" when unknown
 * @param status        the outcome named by the event (SUCCESS, FAILED, UNHEALTHY, RUNNING ...)
 * @param stage         the stage, "" when the event is not about one
 * @param durationMs    how long it took, -1 when the event does not say
 * @param error         what went wrong, "" when nothing did
 * @param correlationId ties together everything that happened for one request
 */
public record NotifierMessage(String kind, String title, boolean critical, String eventType, String eventId,
                              String deploymentId, String version, String environment, String status, String stage,
                              long durationMs, String error, String correlationId) {

    private static final String NONE = "-";

    /** "[Printery] Deployment failed: dep-42 1.4.2 production". */
    public String subject() {
        StringBuilder subject = new StringBuilder("[Printery] ").append(title);
        if (deploymentId.isEmpty()) {
            return subject.toString();
        }
        subject.append(": ").append(deploymentId);
        if (!version.isEmpty()) {
            subject.append(' ').append(version);
        }
        if (!environment.isEmpty()) {
            subject.append(' ').append(environment);
        }
        return subject.toString();
    }

    /** Title line, then one line per field, for Slack and email. */
    public String text() {
        StringBuilder text = new StringBuilder(critical ? ":rotating_light: " : ":information_source: ").append(subject());
        for (String[] field : fields()) {
            text.append('\n').append(field[0]).append(": ").append(field[1]);
        }
        return text.toString();
    }

    /** The same on one line, for the outbox file and the log. */
    public String line() {
        StringBuilder line = new StringBuilder(title);
        for (String[] field : fields()) {
            line.append(" | ").append(field[0]).append('=').append(field[1].replace('\n', ' '));
        }
        return line.toString();
    }

    private List<String[]> fields() {
        List<String[]> fields = new ArrayList<>();
        if (deploymentId.isEmpty()) {
            // an ops alert, not about one deployment: its text is all there is
            fields.add(new String[] {"detail", error});
            return fields;
        }
        fields.add(new String[] {"deployment", deploymentId});
        fields.add(new String[] {"version", orNone(version)});
        fields.add(new String[] {"environment", orNone(environment)});
        fields.add(new String[] {"status", orNone(status)});
        fields.add(new String[] {"stage", orNone(stage)});
        fields.add(new String[] {"duration", durationMs < 0 ? NONE : duration(durationMs)});
        fields.add(new String[] {"error", orNone(error)});
        fields.add(new String[] {"correlation", orNone(correlationId)});
        fields.add(new String[] {"event", eventType + " " + eventId});
        return fields;
    }

    static String duration(long ms) {
        if (ms < 1000) {
            return ms + " ms";
        }
        long seconds = ms / 1000;
        if (seconds < 60) {
            return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
        }
        return (seconds / 60) + " min " + (seconds % 60) + " s";
    }

    private static String orNone(String value) {
        return value == null || value.isEmpty() ? NONE : value;
    }
}
