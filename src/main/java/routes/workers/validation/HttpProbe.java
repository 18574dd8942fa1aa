package routes.workers.validation;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

import routes.workers.probe.ConnectionRefused;
import routes.workers.probe.ProbeHttpClient;

/**
 * HTTP for the checks: one client ({@link ProbeHttpClient}: no redirects, so an Authorization header never follows
 * one elsewhere), every request bounded by the check timeout so a cancelled check's thread does not linger.
 */
public final class HttpProbe {

    private final Duration timeout;
    private final Supplier<HttpClient> client;

    public HttpProbe(Duration timeout) {
        this.timeout = timeout;
        this.client = ProbeHttpClient.onFirstUse(timeout);
    }

    /** A request to {@code url} with the check timeout; add headers and a method, then {@link #send}. */
    public HttpRequest.Builder request(String url) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(timeout);
    }

    public HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        try {
            return client.get().send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            // Only here is the target known (a check may ask several, e.g. a registry and its token realm).
            Optional<String> refused = ConnectionRefused.message(e, request.uri().toString());
            if (refused.isPresent()) {
                throw new Refused(refused.get(), e);
            }
            throw e;
        }
    }

    public HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return send(request(url).GET().build());
    }

    public static boolean is2xx(int status) {
        return status >= 200 && status < 300;
    }

    /**
     * An I/O failure for a message: a refused connection as "connection refused to HOST:PORT", anything else as
     * its class and message, e.g. "HttpConnectTimeoutException: ...".
     */
    public static String describe(IOException e) {
        if (e instanceof Refused) {
            return e.getMessage();
        }
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    /** A refused connection, its message already in {@link ConnectionRefused}'s wording. */
    private static final class Refused extends ConnectException {
        Refused(String message, IOException cause) {
            super(message);
            initCause(cause);
        }
    }
}
