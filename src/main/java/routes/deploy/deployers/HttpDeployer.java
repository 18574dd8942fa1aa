package routes.deploy.deployers;

import java.net.URI;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deploys through any HTTP API described by settings: a trigger request whose answer holds the new id, a status URL
 * whose answer holds a state, an optional request for what runs now (the rollback target) and a rollback request.
 * URLs, the trigger body and headers are {@link Template}s over the release, the handle and the settings, so a
 * header can be {@code Authorization: Bearer ${token}}. Settings: docs/deployers.md.
 */
public final class HttpDeployer implements Deployer {

    static final String NAME = "HTTP";
    private static final Logger LOG = LoggerFactory.getLogger(HttpDeployer.class);
    private static final int MIN_HEADER_SECRET = 8;

    private final DeployHttp http;
    private final ServiceSettings settingsOf;

    public HttpDeployer(CamelContext context, ServiceSettings settingsOf) {
        this.http = new DeployHttp(context, NAME, DeployHttp::plainErrorText);
        this.settingsOf = settingsOf;
    }

    @Override
    public DeployHandle deploy(ServiceRelease release) throws DeployerException {
        Map<String, String> fields = new HashMap<>();
        fields.put("service", release.service());
        fields.put("version", release.version());
        fields.put("environment", release.environment());
        fields.put("deploymentId", release.deploymentId());
        fields.put("stage", release.stage());
        Request request = new Request(new DeployerSettings(NAME, release.service(), release.settings()), fields);
        DeployerSettings settings = request.settings;
        String idField = settings.required("idField");
        String previousId = null;
        if (settings.optional("previousUrl").isPresent()) {
            previousId = request.send("previous", "GET", "previousUrl", null)
                    .optionalText(settings.required("previousIdField")).orElse(null);
        }
        String id = request.send("trigger", settings.get("triggerMethod", "POST"), "triggerUrl",
                settings.optional("triggerBody").orElse(null)).requiredText(idField);
        LOG.info("HTTP deploy {} of service {} ({}) triggered; before it ran {}", id, release.service(),
                release.version(), previousId);
        return new DeployHandle(release.service(), id, previousId);
    }

    @Override
    public DeployState status(DeployHandle handle) throws DeployerException {
        Request request = new Request(DeployerSettings.lookUp(NAME, settingsOf, handle.service()), Map.of("id", handle.id()));
        DeployerSettings settings = request.settings;
        String state = request.send("status", "GET", "statusUrl", null).requiredText(settings.required("statusField"));
        if (stateList(settings, "successValues", true).contains(state)) {
            return DeployState.succeeded(state);
        }
        if (stateList(settings, "failureValues", false).contains(state)) {
            return DeployState.failed(state);
        }
        return DeployState.running(state);
    }

    /**
     * Sends the rollback request; its handle names the id at {@code idField} in the answer when there is one, else
     * the restored {@code previousId} (whose status then says whether it runs again).
     */
    @Override
    public DeployHandle rollback(DeployHandle handle) throws DeployerException {
        if (handle.previousId() == null) {
            return null;
        }
        Request request = new Request(DeployerSettings.lookUp(NAME, settingsOf, handle.service()),
                Map.of("id", handle.id(), "previousId", handle.previousId()));
        String id = request.send("rollback", "POST", "rollbackUrl", null)
                .optionalText(request.settings.required("idField")).orElse(handle.previousId());
        LOG.info("HTTP rollback {} of service {} from {} to {} requested", id, handle.service(), handle.id(), handle.previousId());
        return new DeployHandle(handle.service(), id, null);
    }

    private static Set<String> stateList(DeployerSettings settings, String key, boolean required) throws DeployerException {
        String list = required ? settings.required(key) : settings.get(key, "");
        return Arrays.stream(list.split(",")).map(String::trim).filter(v -> !v.isEmpty()).collect(Collectors.toSet());
    }

    /** The requests of one deployer call: templates filled from the settings and the call's own values. */
    private final class Request {

        private final DeployerSettings settings;
        private final Map<String, String> values;

        Request(DeployerSettings settings, Map<String, String> callValues) {
            this.settings = settings;
            this.values = new HashMap<>(settings.values());
            // A release without a stage (or another field) leaves its placeholder unfilled: a clear error if used.
            callValues.forEach((key, value) -> {
                if (value != null) {
                    values.put(key, value);
                }
            });
        }

        /**
         * @param role    how messages name the request ("trigger"); they show its method and host, not its URL,
         *                which may carry a secret
         * @param urlKey  the setting holding the URL template
         * @param bodyTemplate the body template, null for none
         */
        JsonAnswer send(String role, String method, String urlKey, String bodyTemplate) throws DeployerException {
            String url = Template.render(urlKey, settings.required(urlKey), values, Template.Escape.URL, settings);
            Map<String, String> headers = headers();
            String body = null;
            if (bodyTemplate != null) {
                headers.putIfAbsent("Content-Type", DeployHttp.JSON_CONTENT_TYPE);
                Template.Escape escape = headers.get("Content-Type").contains("json") ? Template.Escape.JSON : Template.Escape.NONE;
                body = Template.render("triggerBody", bodyTemplate, values, escape, settings);
            }
            DeployerSettings redacting = settings.withSecrets(headerSecrets(headers));
            DeployHttp.Call call = new DeployHttp.Call(role + " " + method + " " + hostOf(url, urlKey), method, url, headers, body);
            return new JsonAnswer(role, http.send(call, redacting).json());
        }

        /** The {@code headers} setting: one {@code Name: value} a line; a Content-Type header is found whatever its case. */
        private Map<String, String> headers() throws DeployerException {
            Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (String line : settings.get("headers", "").split("\\R")) {
                if (line.isBlank()) {
                    continue;
                }
                int colon = line.indexOf(':');
                if (colon <= 0) {
                    throw settings.invalid("setting headers: each line is Name: value");
                }
                headers.put(line.substring(0, colon).trim(),
                        Template.render("headers", line.substring(colon + 1).trim(), values, Template.Escape.NONE, settings));
            }
            return headers;
        }

        private String hostOf(String url, String urlKey) throws DeployerException {
            try {
                URI uri = URI.create(url);
                if (uri.getHost() == null) {
                    throw settings.invalid("setting " + urlKey + " is not an http(s) URL");
                }
                return uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
            } catch (IllegalArgumentException e) {
                throw settings.invalid("setting " + urlKey + " is not a URL");
            }
        }
    }

    /**
     * Header values are credentials as often as not, and the last word of "Bearer abc" is one on its own. Shorter
     * than {@link #MIN_HEADER_SECRET} they are not, and masking them would garble messages ("core" in "score").
     */
    private static Set<String> headerSecrets(Map<String, String> headers) {
        Set<String> secrets = new HashSet<>();
        headers.forEach((name, value) -> {
            if (!name.equalsIgnoreCase("Content-Type") && !name.equalsIgnoreCase("Accept")) {
                for (String secret : List.of(value, value.substring(value.lastIndexOf(' ') + 1))) {
                    if (secret.length() >= MIN_HEADER_SECRET) {
                        secrets.add(secret);
                    }
                }
            }
        });
        return secrets;
    }

    /** One request's JSON answer, read by JSON pointer. */
    private record JsonAnswer(String role, JsonNode json) {

        Optional<String> optionalText(String pointer) throws DeployerException {
            JsonNode node;
            try {
                node = json.at(pointer);
            } catch (IllegalArgumentException e) {
                throw DeployerException.permanent("HTTP deployer: " + pointer + " is not a JSON pointer (e.g. /id)");
            }
            return node.isValueNode() && !node.isNull() ? Optional.of(node.asText()) : Optional.empty();
        }

        String requiredText(String pointer) throws DeployerException {
            Optional<String> text = optionalText(pointer);
            if (text.isEmpty()) {
                throw DeployerException.permanent("HTTP " + role + " answer has no value at " + pointer);
            }
            return text.get();
        }
    }
}
