package routes.events;

/** Redis did not take an event: the caller decides whether to retry (routes do, through their error handler). */
public class EventPublishException extends RuntimeException {

    public EventPublishException(String message, Throwable cause) {
        super(message, cause);
    }
}
