package routes.workers.notify;

/**
 * One message for one channel, as the notifier route hands it to a sink route ({@code direct:notify-<sink>}).
 * Getters only (no record accessors), so routes.yaml's ${body.address} has exactly one method to call.
 */
public final class Notification {

    private final String channel;
    private final String target;
    private final String sink;
    private final String address;
    private final boolean threaded;
    private final NotifierMessage message;

    /**
     * @param channel  the channel key, part of the idempotency key (event id + ":" + channel), e.g. slack:#materi-critical
     * @param target   the routing target it came from, e.g. slack-critical, email-team
     * @param sink     which sink route sends it: slack-webhook, slack-api, email, pagerduty or outbox
     * @param address  the Slack channel or the email address ("" for PagerDuty)
     * @param threaded whether it goes into the deployment's Slack thread (bot token only)
     * @param message  what it says
     */
    public Notification(String channel, String target, String sink, String address, boolean threaded,
                        NotifierMessage message) {
        this.channel = channel;
        this.target = target;
        this.sink = sink;
        this.address = address;
        this.threaded = threaded;
        this.message = message;
    }

    public String getChannel() {
        return channel;
    }

    public String getTarget() {
        return target;
    }

    public String getSink() {
        return sink;
    }

    public String getAddress() {
        return address;
    }

    public boolean isThreaded() {
        return threaded;
    }

    public NotifierMessage getMessage() {
        return message;
    }

    public String getSubject() {
        return message.subject();
    }

    public String getText() {
        return message.text();
    }

    @Override
    public String toString() {
        return sink + " " + channel + ": " + message.line();
    }
}
