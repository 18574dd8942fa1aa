package routes.record;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Sends a deployment's record to Shield's HTTP API after each change: {@code PUT <PRINTERY_SHIELD_URL>/deployments/<id>}
 * with the whole record as JSON and {@code Authorization: Bearer <PRINTERY_SHIELD_TOKEN>}. The record as it is at the
 * send, so a retried or late send never puts an older one over a newer one. Any answer but 2xx throws (retried by
 * the route's error handler, then dead-lettered as shield-failures). Redirects are not followed; the token reaches
 * no message.
 */
public class ShieldSink {

    private final URI base;
    private final String token;
    private final DeploymentRecords records;
    private final ObjectMapper json;
    private final HttpClient client;
    private final Duration responseTimeout;

    /** @param base null when Shield is not configured: {@link #enabled()} is false and the route sends nothing */
    public ShieldSink(URI base, String token, DeploymentRecords records, ObjectMapper json, Duration connectTimeout,
                      Duration responseTimeout) {
        this.base = base;
        this.token = token;
        this.records = records;
        this.json = json;
        this.responseTimeout = responseTimeout;
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(connectTimeout).build();
    }

    public boolean enabled() {
        return base != null;
    }

    public void send(String deploymentId) throws IOException, InterruptedException {
        Map<String, Object> record = records.find(deploymentId).orElse(null);
        if (!enabled() || record == null) {
            return;
        }
        URI uri = URI.create(base.toString().replaceAll("/+$", "") + "/deployments/"
                + URLEncoder.encode(deploymentId, StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(responseTimeout)
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(record), StandardCharsets.UTF_8)).build();
        HttpResponse<Void> response = client.send(request, HttpResponse.BodyHandlers.discarding());
        if (response.statusCode() / 100 != 2) {
            throw new IOException("Shield refused the record of " + deploymentId + ": HTTP " + response.statusCode()
                    + " from " + base.getScheme() + "://" + base.getHost() + (base.getPort() < 0 ? "" : ":" + base.getPort()));
        }
    }
}
