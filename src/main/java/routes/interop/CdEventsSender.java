package routes.interop;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;

/**
 * POSTs a CDEvent to the one configured endpoint in CloudEvents 1.0 HTTP binary mode: the attributes as {@code ce-*}
 * headers, the CDEvent as an {@code application/json} body. Any answer but 2xx throws (retried by the route's error
 * handler, then dead-lettered). Redirects are not followed: events go only where the configuration says. The
 * endpoint may carry a token (in its user info, path or query), so it appears in keys and messages only as a hash or
 * as scheme, host and port.
 */
public class CdEventsSender {

    private final URI endpoint;
    private final String endpointKey;
    private final Duration connectTimeout;
    private final Duration responseTimeout;
    private volatile HttpClient client;

    /** @param endpoint null when the mirror is off (its routes are then never created) */
    public CdEventsSender(URI endpoint, Duration connectTimeout, Duration responseTimeout) {
        this.endpoint = endpoint;
        this.endpointKey = endpoint == null ? "" : sha256(endpoint.toString()).substring(0, 16);
        this.connectTimeout = connectTimeout;
        this.responseTimeout = responseTimeout;
    }

    /** The idempotency key of a CDEvent at this endpoint: its id and the endpoint's hash. */
    public String key(CdEvent event) {
        return event.id() + ":" + endpointKey;
    }

    public void send(CdEvent event) throws IOException, InterruptedException {
        if (endpoint == null) {
            throw new IllegalStateException("no CDEvents endpoint configured (PRINTERY_CDEVENTS_URL)");
        }
        HttpRequest request = HttpRequest.newBuilder(endpoint).timeout(responseTimeout)
                .header("ce-specversion", "1.0")
                .header("ce-id", event.id())
                .header("ce-source", event.source())
                .header("ce-type", event.type())
                .header("ce-subject", event.subject())
                .header("ce-time", event.time())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(event.body(), StandardCharsets.UTF_8)).build();
        HttpResponse<Void> response = client().send(request, HttpResponse.BodyHandlers.discarding());
        if (response.statusCode() / 100 != 2) {
            throw new CdEventsSendException("CDEvent " + event.id() + " (" + event.type() + ") refused by "
                    + redacted(endpoint) + ": HTTP " + response.statusCode());
        }
    }

    /** Scheme, host and port: what a log line may show of the endpoint. */
    public static String redacted(URI endpoint) {
        return endpoint.getScheme() + "://" + endpoint.getHost() + (endpoint.getPort() < 0 ? "" : ":" + endpoint.getPort());
    }

    /** Built on the first send: with the mirror off, or before its first event, no client exists. */
    private HttpClient client() {
        HttpClient built = client;
        if (built == null) {
            synchronized (this) {
                built = client;
                if (built == null) {
                    built = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                            .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(connectTimeout).build();
                    client = built;
                }
            }
        }
        return built;
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
