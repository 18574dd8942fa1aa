package routes.interop;

/** The CDEvents endpoint did not accept a CDEvent (an answer other than 2xx): retried, then dead-lettered. */
public class CdEventsSendException extends RuntimeException {

    public CdEventsSendException(String message) {
        super(message);
    }
}
