package routes.workers.notify;

/** A channel refused a notification (e.g. Slack answered ok=false): the send is retried, then dead-lettered. */
public class NotifierSendException extends RuntimeException {

    public NotifierSendException(String message) {
        super(message);
    }
}
