package routes.deploy.deployers;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deploys a Railway service instance (one service in one environment) through the public GraphQL API: remembers
 * the last successful deployment (the rollback target), deploys the service's configured source, reads the
 * deployment's status, and rolls back by redeploying the remembered one. Ids travel as GraphQL variables, never
 * inside a query. Settings: docs/deployers.md.
 */
public final class RailwayDeployer implements Deployer {

    static final String NAME = "Railway";
    private static final Logger LOG = LoggerFactory.getLogger(RailwayDeployer.class);
    private static final String DEFAULT_API_URL = "https://backboard.railway.com/graphql/v2";

    static final String NEWEST_DEPLOYMENT = "query printeryNewestDeployment($input: DeploymentListInput!) "
            + "{ deployments(input: $input, first: 1) { edges { node { id status } } } }";
    static final String DEPLOY = "mutation printeryDeploy($serviceId: String!, $environmentId: String!) "
            + "{ serviceInstanceDeployV2(serviceId: $serviceId, environmentId: $environmentId) }";
    static final String STATUS = "query printeryDeploymentStatus($id: String!) { deployment(id: $id) { id status } }";
    static final String ROLLBACK = "mutation printeryRollback($id: String!) { deploymentRollback(id: $id) }";

    private final DeployHttp http;
    private final ServiceSettings settingsOf;

    public RailwayDeployer(CamelContext context, ServiceSettings settingsOf) {
        this.http = new DeployHttp(context, NAME, RailwayDeployer::errorText);
        this.settingsOf = settingsOf;
    }

    @Override
    public DeployHandle deploy(ServiceRelease release) throws DeployerException {
        Api api = new Api(new DeployerSettings(NAME, release.service(), release.settings()));
        ObjectNode instance = serviceInstance(api.settings);
        String previousId = newestDeployment(api, true);
        JsonNode data = api.graphql("serviceInstanceDeployV2", DEPLOY, instance);
        String id = data.path("serviceInstanceDeployV2").asText("");
        if (id.isEmpty()) {
            throw DeployerException.permanent("Railway serviceInstanceDeployV2 answered without a deployment id");
        }
        LOG.info("Railway deployment {} of service {} ({}) started; the last successful one was {}", id,
                release.service(), release.version(), previousId);
        return new DeployHandle(release.service(), id, previousId);
    }

    @Override
    public DeployState status(DeployHandle handle) throws DeployerException {
        Api api = new Api(DeployerSettings.lookUp(NAME, settingsOf, handle.service()));
        JsonNode data = api.graphql("deployment", STATUS, DeployHttp.JSON.createObjectNode().put("id", handle.id()));
        String status = data.path("deployment").path("status").asText("");
        if (status.isEmpty()) {
            throw DeployerException.permanent("Railway deployment " + handle.id() + " answered without a status");
        }
        return state(status);
    }

    /**
     * Redeploys {@code handle.previousId()}. Railway makes a new deployment of it (the mutation answers only true),
     * so the rollback's handle names the service instance's newest deployment, or the restored one itself while
     * the new one is not listed yet.
     */
    @Override
    public DeployHandle rollback(DeployHandle handle) throws DeployerException {
        if (handle.previousId() == null) {
            return null;
        }
        Api api = new Api(DeployerSettings.lookUp(NAME, settingsOf, handle.service()));
        JsonNode data = api.graphql("deploymentRollback", ROLLBACK,
                DeployHttp.JSON.createObjectNode().put("id", handle.previousId()));
        if (!data.path("deploymentRollback").asBoolean(false)) {
            throw DeployerException.permanent("Railway deploymentRollback of " + handle.previousId() + " was not accepted");
        }
        String newest = newestDeployment(api, false);
        String id = newest == null || newest.equals(handle.id()) ? handle.previousId() : newest;
        LOG.info("Railway service {} rolling back from {} to {} (deployment {})", handle.service(), handle.id(),
                handle.previousId(), id);
        return new DeployHandle(handle.service(), id, null);
    }

    /** DeploymentStatus in the orchestrator's words; SLEEPING is a healthy deployment idling without traffic. */
    static DeployState state(String status) {
        return switch (status) {
            case "SUCCESS", "SLEEPING" -> DeployState.succeeded(status);
            case "FAILED", "CRASHED", "REMOVED", "SKIPPED" -> DeployState.failed(status);
            default -> DeployState.running(status);
        };
    }

    /** The service instance's newest deployment (only successful ones when asked), null when it has none. */
    private static String newestDeployment(Api api, boolean successfulOnly) throws DeployerException {
        ObjectNode input = serviceInstance(api.settings);
        api.settings.optional("projectId").ifPresent(project -> input.put("projectId", project));
        if (successfulOnly) {
            input.putObject("status").put("successfulOnly", true);
        }
        ObjectNode variables = DeployHttp.JSON.createObjectNode();
        variables.set("input", input);
        JsonNode node = api.graphql("deployments", NEWEST_DEPLOYMENT, variables).path("deployments").path("edges").path(0).path("node");
        return node.hasNonNull("id") ? node.get("id").asText() : null;
    }

    /** The service instance a service's settings name: {serviceId, environmentId}. */
    private static ObjectNode serviceInstance(DeployerSettings settings) throws DeployerException {
        return DeployHttp.JSON.createObjectNode()
                .put("serviceId", settings.required("serviceId"))
                .put("environmentId", settings.required("environmentId"));
    }

    /** A non-2xx answer's GraphQL error messages, else its body. */
    private static String errorText(String body) {
        List<String> messages = errorMessages(DeployHttp.parse(body).path("errors"));
        return messages.isEmpty() ? DeployHttp.plainErrorText(body) : String.join("; ", messages);
    }

    private static List<String> errorMessages(JsonNode errors) {
        List<String> messages = new ArrayList<>();
        errors.forEach(error -> messages.add(error.path("message").asText(error.toString())));
        return messages;
    }

    /** The API as one service's settings reach it: URL, token in the header its type needs, timeout. */
    private final class Api {

        private final DeployerSettings settings;

        Api(DeployerSettings settings) {
            this.settings = settings;
        }

        /**
         * Posts one operation and returns its {@code data}. Errors in a 200 answer are failures too; only a rate
         * limit among them is worth asking again.
         */
        JsonNode graphql(String operation, String query, ObjectNode variables) throws DeployerException {
            ObjectNode request = DeployHttp.JSON.createObjectNode().put("query", query);
            request.set("variables", variables);
            String url = settings.get("apiUrl", DEFAULT_API_URL);
            DeployHttp.Answer answer = http.send(new DeployHttp.Call(operation, "POST", url, headers(), request.toString()), settings);
            JsonNode json = answer.json();
            List<String> errors = errorMessages(json.path("errors"));
            if (!errors.isEmpty()) {
                String messages = String.join("; ", errors);
                boolean rateLimited = messages.toLowerCase(Locale.ROOT).contains("rate limit");
                throw new DeployerException(settings.redaction().apply("Railway " + operation + " failed: " + messages),
                        rateLimited, rateLimited ? DeployHttp.retryAfter(answer.retryAfter()) : null);
            }
            if (!json.path("data").isObject()) {
                throw DeployerException.permanent("Railway " + operation + " answered without data");
            }
            return json.get("data");
        }

        private Map<String, String> headers() throws DeployerException {
            String token = settings.required("token");
            return switch (settings.get("tokenType", "bearer")) {
                case "bearer" -> Map.of("Authorization", "Bearer " + token, "Content-Type", DeployHttp.JSON_CONTENT_TYPE);
                case "project" -> Map.of("Project-Access-Token", token, "Content-Type", DeployHttp.JSON_CONTENT_TYPE);
                default -> throw settings.invalid("setting tokenType must be bearer or project");
            };
        }
    }
}
