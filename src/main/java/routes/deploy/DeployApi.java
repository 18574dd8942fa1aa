package routes.deploy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.ext.auth.User;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import routes.deploy.RunProgress.StageProgress;

/**
 * The deployment API on the management HTTP server (routes deploy-api-* in routes.yaml): POST /api/deployments
 * starts one on this instance, POST /api/deployments/{id}/cancel stops it; GET /api/deployments/{id} shows its run
 * beside its record (routes.yaml).
 * The POSTs pass the management server's origin and content-type check first (routes.yaml).
 */
public class DeployApi {

    private static final Logger LOG = LoggerFactory.getLogger(DeployApi.class);

    /** Set by Camel's Vert.x HTTP server when the management server's authentication let the request in. */
    static final String AUTHENTICATED_USER = "CamelVertxPlatformHttpAuthenticatedUser";
    /** Who a request names nobody and came without credentials. */
    static final String DEFAULT_ACTOR = "api";
    static final String DEFAULT_STRATEGY = "rolling";

    private static final List<String> FIELDS = List.of("version", "environment", "strategy", "services", "actor");
    /** The widths of deployment_run's columns, so that a request too long is a 400 and not a failed insert. */
    private static final Map<String, Integer> MAX_LENGTH = Map.of("version", 256, "environment", 128, "strategy", 64,
            "actor", 256);

    private final Orchestrator orchestrator;
    private final ObjectMapper json;

    public DeployApi(Orchestrator orchestrator, ObjectMapper json) {
        this.orchestrator = orchestrator;
        this.json = json;
    }

    /** POST /api/deployments: the fields of `printery deploy` as a JSON object; 202 with the new deployment's id. */
    public void submit(Exchange exchange) throws JsonProcessingException {
        Message in = exchange.getIn();
        String user = authenticatedUser(in);
        DeployRequest request;
        DeploymentRun run;
        try {
            request = request(in.getBody(String.class), user);
            run = orchestrator.deploy(request);
        } catch (EnvironmentLockedException e) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("error", e.getMessage());
            body.put("running_deployment", e.runningDeployment());
            respond(exchange, 409, body);
            return;
        } catch (IllegalArgumentException e) {
            respond(exchange, 400, Map.of("error", oneLine(e.getMessage())));
            return;
        }
        try (DeploymentMdc mdc = DeploymentMdc.of(run)) {
            LOG.info("Deployment {} of {} to {} submitted by {} over HTTP", run.id(), run.version(), run.environment(),
                    who(request.actor(), user));
        }
        String url = "/api/deployments/" + run.id();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", run.id());
        body.put("url", url);
        respond(exchange, 202, body);
        exchange.getMessage().setHeader("Location", url);
    }

    /** The orchestrator's state of a deployment as JSON (the "run" of GET /api/deployments/{id}), or null. */
    public Map<String, Object> run(String id) {
        return orchestrator.find(id).map(DeployApi::toJson).orElse(null);
    }

    /** POST /api/deployments/{id}/cancel, optionally with {"actor": ...}: 202 once asked, 409 when it had ended. */
    public void cancel(Exchange exchange) throws JsonProcessingException {
        Message in = exchange.getIn();
        String id = in.getHeader("id", String.class);
        String user = authenticatedUser(in);
        String actor;
        try {
            actor = cancelActor(in.getBody(String.class), user);
        } catch (IllegalArgumentException e) {
            respond(exchange, 400, Map.of("error", oneLine(e.getMessage())));
            return;
        }
        var run = orchestrator.find(id);
        if (run.isEmpty()) {
            respond(exchange, 404, Map.of("error", "no deployment " + id));
            return;
        }
        if (run.get().phase().terminal() || !orchestrator.cancel(id, actor)) {
            RunPhase phase = orchestrator.find(id).map(DeploymentRun::phase).orElse(run.get().phase());
            respond(exchange, 409, Map.of("error", "deployment " + id + " has ended (" + phase + "): nothing to cancel"));
            return;
        }
        try (DeploymentMdc mdc = DeploymentMdc.of(run.get())) {
            LOG.info("Deployment {} cancel asked by {} over HTTP", id, who(actor, user));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", id);
        body.put("cancelled", true);
        respond(exchange, 202, body);
    }

    /** The run as JSON (snake_case, as the DLQ API): instants in ISO-8601 UTC, null while they have not happened. */
    static Map<String, Object> toJson(DeploymentRun run) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", run.id());
        json.put("correlation_id", run.correlationId());
        json.put("version", run.version());
        json.put("environment", run.environment());
        json.put("strategy", run.strategy());
        json.put("services", run.services());
        json.put("actor", run.actor());
        json.put("phase", run.phase().name());
        json.put("stage_index", run.stageIndex());
        json.put("cancel_requested", run.cancelRequested());
        json.put("error", run.error());
        json.put("started_at", text(run.startedAt()));
        json.put("finished_at", text(run.finishedAt()));
        List<Map<String, Object>> stages = new ArrayList<>();
        for (StageProgress stage : RunProgress.of(run.progress()).stages) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("name", stage.name);
            s.put("started_at", stage.startedAt == 0 ? null : Instant.ofEpochMilli(stage.startedAt).toString());
            s.put("finished_at", stage.finishedAt == 0 ? null : Instant.ofEpochMilli(stage.finishedAt).toString());
            s.put("states", stage.states);
            s.put("error", stage.error);
            s.put("health", stage.health);
            s.put("dependency", stage.dependency);
            s.put("warning", stage.warning);
            stages.add(s);
        }
        json.put("stages", stages);
        return json;
    }

    /**
     * The request a body asks for. Unknown fields are refused: a misspelt "service" would otherwise deploy every
     * service.
     */
    private DeployRequest request(String body, String user) {
        JsonNode node = object(body, true);
        String version = text(node, "version", true);
        String environment = text(node, "environment", true);
        String strategy = text(node, "strategy", false);
        String actor = text(node, "actor", false);
        return new DeployRequest(UUID.randomUUID().toString(), version, environment,
                strategy == null ? DEFAULT_STRATEGY : strategy, services(node),
                actor != null ? actor : user != null ? user : DEFAULT_ACTOR);
    }

    private String cancelActor(String body, String user) {
        if (body == null || body.isBlank()) {
            return user != null ? user : DEFAULT_ACTOR;
        }
        JsonNode node = object(body, false);
        String actor = text(node, "actor", false);
        return actor != null ? actor : user != null ? user : DEFAULT_ACTOR;
    }

    private JsonNode object(String body, boolean deployFields) {
        if (body == null || body.isBlank()) {
            throw new IllegalArgumentException("the body is empty: send a JSON object with version and environment");
        }
        JsonNode node;
        try {
            node = json.readTree(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the body is not JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("the body must be a JSON object");
        }
        List<String> known = deployFields ? FIELDS : List.of("actor");
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                throw new IllegalArgumentException("unknown field '" + name + "' (the fields are " + String.join(", ", known) + ")");
            }
        }
        return node;
    }

    /** A string field; null when it is absent or JSON null and not required. */
    private static String text(JsonNode node, String field, boolean required) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                throw new IllegalArgumentException(field + " is required");
            }
            return null;
        }
        if (!value.isTextual()) {
            throw new IllegalArgumentException(field + " must be a string");
        }
        String text = value.asText().strip();
        if (text.isEmpty()) {
            throw new IllegalArgumentException(field + " must not be blank");
        }
        if (text.length() > MAX_LENGTH.get(field)) {
            throw new IllegalArgumentException(field + " is longer than " + MAX_LENGTH.get(field) + " characters");
        }
        if (text.chars().anyMatch(Character::isISOControl)) {
            // The values end up in log lines, one per action: a line break would let a request forge another.
            throw new IllegalArgumentException(field + " must not contain control characters");
        }
        return text;
    }

    /** The services asked for, each once; empty (every service) when the field is left out. */
    private static List<String> services(JsonNode node) {
        JsonNode value = node.get("services");
        if (value == null || value.isNull()) {
            return List.of();
        }
        if (!value.isArray()) {
            throw new IllegalArgumentException("services must be an array of service names");
        }
        if (value.isEmpty()) {
            // An empty list built by a script is more likely a mistake than a wish to deploy everything.
            throw new IllegalArgumentException("services is empty: leave it out to deploy every service");
        }
        Set<String> services = new LinkedHashSet<>();
        for (JsonNode service : value) {
            if (!service.isTextual() || service.asText().isBlank()) {
                throw new IllegalArgumentException("services must be an array of service names, not " + service);
            }
            services.add(service.asText().strip());
        }
        return List.copyOf(services);
    }

    /** The user the management server's authentication let in, or null without authentication. */
    static String authenticatedUser(Message in) {
        return in.getHeader(AUTHENTICATED_USER) instanceof User user ? user.subject() : null;
    }

    private static String who(String actor, String user) {
        return user == null || user.equals(actor) ? actor : actor + " (authenticated as " + user + ")";
    }

    private static String oneLine(String text) {
        return text == null ? "" : text.replaceAll("\\s*\\R\\s*", " ");
    }

    private static String text(Instant instant) {
        return instant == null ? null : instant.toString();
    }

    private void respond(Exchange exchange, int status, Object body) throws JsonProcessingException {
        Message out = exchange.getMessage();
        out.removeHeaders("*");
        out.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        out.setHeader(Exchange.CONTENT_TYPE, "application/json");
        out.setBody(json.writeValueAsString(body));
    }
}
