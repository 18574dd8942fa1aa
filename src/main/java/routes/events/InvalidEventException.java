package routes.events;

/**
 * An entry or event that can never be processed as it is (undecodable, unknown type, missing fields, too large).
 * Routes send it to the dead-letter queue at once, without redelivery.
 */
public class InvalidEventException extends RuntimeException {

    public InvalidEventException(String message) {
        super(message);
    }

    public InvalidEventException(String message, Throwable cause) {
        super(message, cause);
    }
}
