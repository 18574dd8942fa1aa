package routes.deploy.deployers;

import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deploys a Vercel project to production through the REST API: remembers the current production deployment (the
 * rollback target), creates a deployment (a redeploy of a build or a git source), reads its readyState, and rolls
 * back by pointing production at the remembered one again. Settings: docs/deployers.md.
 */
public final class VercelDeployer implements Deployer {

    static final String NAME = "Vercel";
    private static final Logger LOG = LoggerFactory.getLogger(VercelDeployer.class);
    private static final String DEFAULT_API_URL = "https://api.vercel.com";
    private static final String GIT_SOURCE = "gitSource.";

    private final DeployHttp http;
    private final ServiceSettings settingsOf;

    public VercelDeployer(CamelContext context, ServiceSettings settingsOf) {
        this.http = new DeployHttp(context, NAME, VercelDeployer::errorText);
        this.settingsOf = settingsOf;
    }

    @Override
    public DeployHandle deploy(ServiceRelease release) throws DeployerException {
        Api api = new Api(new DeployerSettings(NAME, release.service(), release.settings()));
        String project = api.settings.required("project");
        ObjectNode body = createBody(release, api.settings, project);
        String previousId = currentProduction(api, project);
        JsonNode created = api.send("POST", "/v13/deployments", "", body.toString());
        String id = requiredText(created, "id", "POST /v13/deployments");
        LOG.info("Vercel deployment {} of service {} ({}) created; production was {}", id, release.service(),
                release.version(), previousId);
        return new DeployHandle(release.service(), id, previousId);
    }

    @Override
    public DeployState status(DeployHandle handle) throws DeployerException {
        Api api = new Api(DeployerSettings.lookUp(NAME, settingsOf, handle.service()));
        return state(api.send("GET", "/v13/deployments/" + DeployHttp.encode(handle.id()), "", null));
    }

    /**
     * Points production at {@code handle.previousId()} again; the rollback's handle names that deployment, so its
     * status is that deployment's (READY: it serves production again).
     */
    @Override
    public DeployHandle rollback(DeployHandle handle) throws DeployerException {
        if (handle.previousId() == null) {
            return null;
        }
        Api api = new Api(DeployerSettings.lookUp(NAME, settingsOf, handle.service()));
        String project = api.settings.required("project");
        api.send("POST", "/v1/projects/" + DeployHttp.encode(project) + "/rollback/" + DeployHttp.encode(handle.previousId()), "", null);
        LOG.info("Vercel rollback of service {} from {} to {} requested", handle.service(), handle.id(), handle.previousId());
        return new DeployHandle(handle.service(), handle.previousId(), null);
    }

    /** readyState in the orchestrator's words; READY while a rolling release still shifts traffic is RUNNING. */
    private static DeployState state(JsonNode deployment) throws DeployerException {
        String readyState = requiredText(deployment, "readyState", "GET /v13/deployments");
        return switch (readyState) {
            case "READY" -> "ROLLING".equals(deployment.path("readySubstate").asText())
                    ? DeployState.running("READY (ROLLING)") : DeployState.succeeded("READY");
            case "ERROR", "CANCELED" -> DeployState.failed(readyState + failureText(deployment));
            default -> DeployState.running(readyState);
        };
    }

    private static String failureText(JsonNode deployment) {
        String text = codeAndMessage(deployment.path("errorCode"), deployment.path("errorMessage"));
        return text.isEmpty() ? "" : ": " + text;
    }

    private static String codeAndMessage(JsonNode code, JsonNode message) {
        String c = code.asText("");
        String m = message.asText("");
        return c.isEmpty() || m.isEmpty() ? c + m : c + ": " + m;
    }

    /** The project's newest READY production deployment: what production serves before this deploy. */
    private static String currentProduction(Api api, String project) throws DeployerException {
        JsonNode list = api.send("GET", "/v6/deployments",
                "projectId=" + DeployHttp.encode(project) + "&target=production&state=READY&limit=1", null);
        JsonNode newest = list.path("deployments").path(0);
        // The list names a deployment's id "uid".
        return newest.hasNonNull("uid") ? newest.get("uid").asText() : null;
    }

    private static ObjectNode createBody(ServiceRelease release, DeployerSettings settings, String project)
            throws DeployerException {
        ObjectNode body = DeployHttp.JSON.createObjectNode()
                .put("name", project)
                .put("project", project)
                .put("target", "production");
        body.putObject("meta")
                .put("printeryDeploymentId", release.deploymentId())
                .put("printeryVersion", release.version());
        Optional<String> build = settings.optional("deploymentId");
        boolean git = settings.values().keySet().stream().anyMatch(k -> k.startsWith(GIT_SOURCE));
        if (build.isPresent() == git) {
            throw settings.invalid("set either deploymentId (a build to redeploy) or gitSource.* (a commit to build)");
        }
        if (build.isPresent()) {
            body.put("deploymentId", build.get());
        } else {
            body.set("gitSource", gitSource(release, settings));
        }
        return body;
    }

    private static ObjectNode gitSource(ServiceRelease release, DeployerSettings settings) throws DeployerException {
        ObjectNode source = DeployHttp.JSON.createObjectNode().put("type", settings.required(GIT_SOURCE + "type"));
        Optional<String> repoId = settings.optional(GIT_SOURCE + "repoId");
        if (repoId.isPresent()) {
            source.put("repoId", repoId.get());
        } else {
            source.put("org", settings.required(GIT_SOURCE + "org")).put("repo", settings.required(GIT_SOURCE + "repo"));
        }
        // A release's version is its tag unless the manifest names another ref.
        source.put("ref", settings.get(GIT_SOURCE + "ref", release.version()));
        settings.optional(GIT_SOURCE + "sha").ifPresent(sha -> source.put("sha", sha));
        return source;
    }

    private static String requiredText(JsonNode node, String field, String call) throws DeployerException {
        if (!node.hasNonNull(field)) {
            throw DeployerException.permanent("Vercel " + call + " answered without " + field);
        }
        return node.get(field).asText();
    }

    /** Vercel's errors: {"error": {"code": ..., "message": ...}}. */
    private static String errorText(String body) {
        JsonNode error = DeployHttp.parse(body).path("error");
        if (error.isMissingNode()) {
            return DeployHttp.plainErrorText(body);
        }
        return codeAndMessage(error.path("code"), error.path("message"));
    }

    /** The API as one service's settings reach it: base URL, Bearer token, team scope, timeout. */
    private final class Api {

        private final DeployerSettings settings;

        Api(DeployerSettings settings) {
            this.settings = settings;
        }

        JsonNode send(String method, String path, String query, String body) throws DeployerException {
            String token = settings.required("token");
            String base = settings.get("apiUrl", DEFAULT_API_URL).replaceAll("/+$", "");
            String scoped = settings.optional("teamId")
                    .map(team -> query.isEmpty() ? "teamId=" + DeployHttp.encode(team) : query + "&teamId=" + DeployHttp.encode(team))
                    .orElse(query);
            String url = base + path + (scoped.isEmpty() ? "" : "?" + scoped);
            Map<String, String> headers = body == null
                    ? Map.of("Authorization", "Bearer " + token)
                    : Map.of("Authorization", "Bearer " + token, "Content-Type", DeployHttp.JSON_CONTENT_TYPE);
            return http.send(new DeployHttp.Call(method + " " + path, method, url, headers, body), settings).json();
        }
    }
}
