package routes.app;

/** Printery is configured wrong (a malformed URL, a route file that is not there or cannot be read): one line, exit 2. */
public class ConfigurationException extends RuntimeException {

    public ConfigurationException(String message) {
        super(message);
    }

    public ConfigurationException(String message, Throwable cause) {
        super(message, cause);
    }
}
