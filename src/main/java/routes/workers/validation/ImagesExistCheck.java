package routes.workers.validation;

import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import routes.manifest.Manifest;
import routes.manifest.Manifest.Registry;
import routes.manifest.Manifest.Service;
import routes.workers.probe.Endpoints;

/**
 * images_exist: each service's image {@code <repository>:<version>} is in its registry, asked with the OCI
 * distribution API (HEAD /v2/NAME/manifests/TAG). A registry answering 401 gets the Bearer token handshake its
 * WWW-Authenticate header asks for (or Basic), with the manifest's credentials when it has them.
 */
public final class ImagesExistCheck implements ValidationCheck {

    /** Image indexes first: a multi-arch tag answers with its index. */
    static final String ACCEPT = String.join(", ",
            "application/vnd.oci.image.index.v1+json",
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.docker.distribution.manifest.list.v2+json",
            "application/vnd.docker.distribution.manifest.v2+json");

    /** The OCI distribution spec's tag grammar: the version goes into a URL path, so nothing else may pass. */
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
    private static final Pattern CHALLENGE_PARAM = Pattern.compile("(\\w+)=(?:\"([^\"]*)\"|([^,\\s]*))");

    private final Manifest manifest;
    private final HttpProbe http;
    private final ObjectMapper json;

    public ImagesExistCheck(Manifest manifest, HttpProbe http, ObjectMapper json) {
        this.manifest = manifest;
        this.http = http;
        this.json = json;
    }

    @Override
    public String name() {
        return "images_exist";
    }

    @Override
    public CheckOutcome check(Release release) throws InterruptedException {
        if (!TAG.matcher(release.version()).matches()) {
            return CheckOutcome.failed("version '" + release.version() + "' is not a valid image tag; no registry asked");
        }
        List<CheckOutcome> parts = new ArrayList<>();
        for (Service service : release.services()) {
            parts.add(find(service, release.version()));
        }
        return CheckOutcome.combine(parts, "no services to check");
    }

    private CheckOutcome find(Service service, String tag) throws InterruptedException {
        String image = service.image() + ":" + tag;
        if (service.registry() == null) {
            return CheckOutcome.warnings(service.name() + ": " + image + " not verified, the service names no registry");
        }
        Registry registry = manifest.registries().get(service.registry());
        String url = registry.url().replaceAll("/+$", "") + "/v2/" + service.image() + "/manifests/" + tag;
        try {
            HttpResponse<String> response = head(url, null);
            if (response.statusCode() == 401) {
                String authorization = authorize(registry, service.image(), response);
                if (authorization == null) {
                    return CheckOutcome.failed(service.name() + ": registry " + registry.name() + " requires credentials for "
                            + image + " and the manifest has none it accepts");
                }
                response = head(url, authorization);
            }
            int status = response.statusCode();
            if (HttpProbe.is2xx(status)) {
                String digest = response.headers().firstValue("Docker-Content-Digest").map(d -> " (" + d + ")").orElse("");
                return CheckOutcome.passed(service.name() + ": " + image + " found in " + registry.name() + digest);
            }
            if (status == 404) {
                return CheckOutcome.failed(service.name() + ": " + image + " not found in registry " + registry.name());
            }
            if (status == 401 || status == 403) {
                return CheckOutcome.failed(service.name() + ": registry " + registry.name() + " denied access to " + image
                        + " (HTTP " + status + ")");
            }
            return CheckOutcome.failed(service.name() + ": registry " + registry.name() + " answered HTTP " + status + " for " + image);
        } catch (IOException | TokenException e) {
            return CheckOutcome.failed(service.name() + ": could not ask registry " + registry.name() + " (" + Endpoints.withoutCredentials(registry.url())
                    + ") for " + image + ": " + (e instanceof IOException io ? HttpProbe.describe(io) : e.getMessage()));
        }
    }

    private HttpResponse<String> head(String url, String authorization) throws IOException, InterruptedException {
        HttpRequest.Builder request = http.request(url).method("HEAD", HttpRequest.BodyPublishers.noBody()).header("Accept", ACCEPT);
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build());
    }

    /** The Authorization value the 401 asks for, or null when the manifest has no credentials for a Basic challenge. */
    private String authorize(Registry registry, String repository, HttpResponse<String> unauthorized)
            throws IOException, InterruptedException, TokenException {
        String challenge = unauthorized.headers().firstValue("WWW-Authenticate").orElse("");
        String scheme = challenge.split("\\s+", 2)[0];
        if (scheme.equalsIgnoreCase("Basic")) {
            return basic(registry);
        }
        if (!scheme.equalsIgnoreCase("Bearer")) {
            throw new TokenException("registry " + registry.name() + " answered 401 without a Bearer or Basic challenge");
        }
        Map<String, String> params = new LinkedHashMap<>();
        Matcher m = CHALLENGE_PARAM.matcher(challenge.substring(scheme.length()));
        while (m.find()) {
            params.put(m.group(1).toLowerCase(), m.group(2) != null ? m.group(2) : m.group(3));
        }
        String realm = params.get("realm");
        if (realm == null || !(realm.startsWith("http://") || realm.startsWith("https://"))) {
            throw new TokenException("registry " + registry.name() + " sent a Bearer challenge without an http(s) realm");
        }
        StringBuilder tokenUrl = new StringBuilder(realm).append(realm.contains("?") ? '&' : '?');
        if (params.containsKey("service")) {
            tokenUrl.append("service=").append(encode(params.get("service"))).append('&');
        }
        tokenUrl.append("scope=").append(encode(params.getOrDefault("scope", "repository:" + repository + ":pull")));
        HttpRequest.Builder request = http.request(tokenUrl.toString()).GET();
        String basic = basic(registry);
        if (basic != null) {
            request.header("Authorization", basic);
        }
        HttpResponse<String> response = http.send(request.build());
        if (!HttpProbe.is2xx(response.statusCode())) {
            throw new TokenException("token service of registry " + registry.name() + " answered HTTP " + response.statusCode());
        }
        try {
            JsonNode body = json.readTree(response.body());
            JsonNode token = body.hasNonNull("token") ? body.get("token") : body.get("access_token");
            if (token == null || token.asText().isEmpty()) {
                throw new TokenException("token service of registry " + registry.name() + " answered without token or access_token");
            }
            return "Bearer " + token.asText();
        } catch (JsonProcessingException e) {
            throw new TokenException("token service of registry " + registry.name() + " answered no JSON object");
        }
    }

    private static String basic(Registry registry) {
        if (registry.username() == null || registry.username().isEmpty()) {
            return null;
        }
        String pair = registry.username() + ":" + (registry.password() == null ? "" : registry.password());
        return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** The token handshake could not produce a token; its message is safe to publish. */
    private static final class TokenException extends Exception {
        TokenException(String message) {
            super(message);
        }
    }
}
