package routes.dlq;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.ext.auth.User;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import routes.time.TimeArgs;

/**
 * The DLQ's HTTP API (routes dlq-api-* in routes.yaml): GET /api/dlq, GET /api/dlq/{id}, POST /api/dlq/{id}/replay
 * (which passes the management server's origin and content-type check first, routes.yaml).
 */
public class DlqApi {

    private static final Logger LOG = LoggerFactory.getLogger(DlqApi.class);

    public static final int DEFAULT_LIMIT = 1000;

    private final DlqStore store;
    private final DlqReplayer replayer;
    private final ObjectMapper json;

    public DlqApi(DlqStore store, DlqReplayer replayer, ObjectMapper json) {
        this.store = store;
        this.replayer = replayer;
        this.json = json;
    }

    /** ?worker=W&since=T&limit=N: newest first, without payloads. */
    public void list(Exchange exchange) throws JsonProcessingException {
        Message in = exchange.getIn();
        Instant since;
        int limit;
        try {
            since = TimeArgs.since(in.getHeader("since", String.class), Instant.now());
            limit = limit(in.getHeader("limit", String.class));
        } catch (IllegalArgumentException e) {
            respond(exchange, 400, Map.of("error", e.getMessage()));
            return;
        }
        List<Map<String, Object>> letters = store.list(in.getHeader("worker", String.class), since, limit).stream()
                .map(d -> d.toJson(false)).toList();
        respond(exchange, 200, letters);
    }

    private static int limit(String text) {
        if (text == null || text.isBlank()) {
            return DEFAULT_LIMIT;
        }
        try {
            int limit = Integer.parseInt(text.trim());
            if (limit > 0) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("limit must be a positive whole number, not '" + text + "'");
    }

    public void show(Exchange exchange) throws JsonProcessingException {
        String id = exchange.getIn().getHeader("id", String.class);
        var letter = store.find(id);
        if (letter.isEmpty()) {
            respond(exchange, 404, Map.of("error", "no dead letter " + id));
        } else {
            respond(exchange, 200, letter.get().toJson(true));
        }
    }

    /** ?force=true replays a dead letter that was replayed before. */
    public void replay(Exchange exchange) throws JsonProcessingException {
        Message in = exchange.getIn();
        DlqReplayer.Result result = replayer.replay(in.getHeader("id", String.class), in.getHeader("force", false, Boolean.class));
        int status = switch (result.outcome()) {
            case REPLAYED -> 200;
            case NOT_FOUND -> 404;
            case ALREADY_REPLAYED, NO_PAYLOAD -> 409;
        };
        java.util.Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("id", result.id());
        body.put("outcome", result.outcome().name().toLowerCase(java.util.Locale.ROOT));
        body.put("entry_id", result.entryId());
        if (result.deadLetter() != null) {
            body.put("dead_letter", result.deadLetter().toJson(false));
        }
        if (result.outcome() == DlqReplayer.Outcome.REPLAYED) {
            LOG.info("Dead letter {} replayed by {} over HTTP as entry {}", result.id(), actor(in), result.entryId());
        }
        respond(exchange, status, body);
    }

    /** The user the management server's authentication let in (Camel's Vert.x HTTP server says), else "api". */
    private static String actor(Message in) {
        return in.getHeader("CamelVertxPlatformHttpAuthenticatedUser") instanceof User user ? user.subject() : "api";
    }

    private void respond(Exchange exchange, int status, Object body) throws JsonProcessingException {
        Message out = exchange.getMessage();
        out.removeHeaders("*");
        out.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        out.setHeader(Exchange.CONTENT_TYPE, "application/json");
        out.setBody(json.writeValueAsString(body));
    }
}
