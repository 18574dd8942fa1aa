package routes.workers.notify;

/**
 * Another stream entry of the same event is sending to this channel right now (a result event republished under
 * its id). Retried by the notifier's error handler: by then the other entry has sent (the retry skips the channel)
 * or failed and released it (the retry sends).
 */
public class NotifierBusyException extends RuntimeException {

    public NotifierBusyException(String key, String owner) {
        super("notification " + key + " is being sent by stream entry " + owner);
    }
}
