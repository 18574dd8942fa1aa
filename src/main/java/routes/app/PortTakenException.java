package routes.app;

/** The management server's port is in use by another process: Printery does not start without its endpoints. */
public final class PortTakenException extends RuntimeException {
    public PortTakenException(String message) {
        super(message);
    }
}
