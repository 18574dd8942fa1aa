package routes.workers.probe;

import java.net.ConnectException;
import java.util.Optional;

import org.apache.camel.util.ObjectHelper;

/**
 * The one wording of a refused connection in every worker's results, whichever client (JDK HttpClient, JDBC,
 * Lettuce) refused: {@code connection refused to HOST:PORT}, the host and port of the target, never its credentials.
 */
public final class ConnectionRefused {

    private ConnectionRefused() {
    }

    /**
     * @param target the URL that was asked; only its host and port are shown
     * @return the wording when {@code failure} is a refused connection, else empty (the caller keeps its own)
     */
    public static Optional<String> message(Throwable failure, String target) {
        // The innermost ConnectException is the socket's own. Timeouts are ConnectExceptions too (the JDK
        // HttpClient's cause of HttpConnectTimeoutException, Netty's ConnectTimeoutException) but say "timed out";
        // the JDK HttpClient's refusal says nothing at all.
        ConnectException connect = ObjectHelper.getException(ConnectException.class, failure);
        if (connect == null || connect.getMessage() != null && !connect.getMessage().contains("refused")) {
            return Optional.empty();
        }
        return Optional.of("connection refused to " + Endpoints.hostAndPort(target));
    }
}
