package routes.workers.notify;

import java.util.List;

/**
 * Which sinks are configured and where each routing target points. Holds no secrets: only whether they are set.
 *
 * @param slack              how Slack is reached
 * @param deploymentsChannel the channel for progress, e.g. #materi-deployments
 * @param criticalChannel    the channel for failures, e.g. #materi-critical
 * @param email              whether an SMTP host is configured
 * @param teamEmail          the team's address
 * @param oncallEmail        the on-call address
 * @param opsEmail           the ops address (dead-letter alerts)
 * @param pagerDuty          whether a PagerDuty routing key is configured
 */
public record NotifierSinks(Slack slack, String deploymentsChannel, String criticalChannel, boolean email,
                            String teamEmail, String oncallEmail, String opsEmail, boolean pagerDuty) {

    /** The routing targets a rule in printery.notify.rule.* may name. */
    public static final List<String> TARGETS = List.of("slack-deployments", "slack-thread", "slack-critical",
            "email-team", "email-oncall", "email-ops", "pagerduty");

    /** Slack through a bot token (Web API, threads), an incoming webhook, or not at all (outbox). */
    public enum Slack { API, WEBHOOK, NONE }

    /**
     * The notification for one target, or null when the target does not apply here (PagerDuty without a routing
     * key; the deployment thread without a bot token).
     */
    Notification resolve(String target, NotifierMessage message) {
        return switch (target) {
            case "slack-deployments" -> slack(target, deploymentsChannel, slack == Slack.API, message);
            case "slack-thread" -> slack == Slack.API ? slack(target, deploymentsChannel, true, message) : null;
            case "slack-critical" -> slack(target, criticalChannel, false, message);
            case "email-team" -> email(target, teamEmail, message);
            case "email-oncall" -> email(target, oncallEmail, message);
            case "email-ops" -> email(target, opsEmail, message);
            case "pagerduty" -> pagerDuty ? new Notification("pagerduty", target, "pagerduty", "", false, message) : null;
            default -> throw new IllegalArgumentException("unknown notification target '" + target + "', known: " + TARGETS);
        };
    }

    private Notification slack(String target, String channel, boolean threaded, NotifierMessage message) {
        String sink = switch (slack) {
            case API -> "slack-api";
            case WEBHOOK -> "slack-webhook";
            case NONE -> "outbox";
        };
        return new Notification("slack:" + channel, target, sink, channel, threaded, message);
    }

    private Notification email(String target, String address, NotifierMessage message) {
        return new Notification("email:" + address, target, email ? "email" : "outbox", address, false, message);
    }
}
