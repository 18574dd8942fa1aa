package routes.record;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import routes.events.proto.DeploymentEvent;
import routes.time.TimeArgs;

/**
 * The record's HTTP API (routes record-api-* in routes.yaml): GET /api/deployments (a page, newest first, filtered,
 * with a cursor to the next), GET /api/deployments/{id} (the whole record and the orchestrator's run of it),
 * GET /api/deployments/{id}/events.
 */
public class RecordApi {

    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 500;
    /** The statuses a record has: the list refuses others instead of answering an empty page. */
    public static final Set<String> STATUSES = Set.of("RUNNING", "ROLLING_BACK", "SUCCESS", "FAILURE", "ROLLED_BACK",
            "CANCELLED");

    private static final JsonFormat.Printer EVENT_JSON = JsonFormat.printer().preservingProtoFieldNames()
            .omittingInsignificantWhitespace();

    private final DeploymentRecords records;
    private final ObjectMapper json;

    public RecordApi(DeploymentRecords records, ObjectMapper json) {
        this.records = records;
        this.json = json;
    }

    /** ?environment=&status=&version=&actor=&since=T&limit=N&cursor=C (T: 30m, 2h, 7d, a date or an instant) */
    public void list(Exchange exchange) throws JsonProcessingException {
        Message in = exchange.getIn();
        DeploymentRecords.Page page;
        try {
            String status = in.getHeader("status", String.class);
            if (status != null && !status.isBlank() && !STATUSES.contains(status.strip().toUpperCase())) {
                throw new IllegalArgumentException("status '" + status + "' is not one of " + new java.util.TreeSet<>(STATUSES));
            }
            DeploymentRecords.Filter filter = new DeploymentRecords.Filter(in.getHeader("environment", String.class),
                    status == null ? null : status.strip().toUpperCase(), in.getHeader("version", String.class),
                    in.getHeader("actor", String.class), since(in.getHeader("since", String.class), Instant.now()));
            page = records.list(filter, blankToNull(in.getHeader("cursor", String.class)), limit(in.getHeader("limit", String.class)));
        } catch (IllegalArgumentException e) {
            respond(exchange, 400, Map.of("error", e.getMessage()));
            return;
        }
        Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("items", page.items());
        body.put("next_cursor", page.next());
        respond(exchange, 200, body);
    }

    /**
     * The whole record, with {@code run}: the orchestrator's own state of the deployment (phase, lease, each stage's
     * deploys), null when no orchestrator of this database ran it. A deployment the record has not seen yet (its
     * first event is being published) is its run alone.
     */
    public void show(Exchange exchange, Map<String, Object> run) throws JsonProcessingException {
        String id = exchange.getIn().getHeader("id", String.class);
        Optional<Map<String, Object>> record = records.find(id);
        if (record.isEmpty() && run == null) {
            respond(exchange, 404, Map.of("error", "no deployment " + id));
            return;
        }
        Map<String, Object> body = new java.util.LinkedHashMap<>(record.orElseGet(() -> Map.of("id", id)));
        body.put("run", run);
        respond(exchange, 200, body);
    }

    public void events(Exchange exchange) throws JsonProcessingException, InvalidProtocolBufferException {
        String id = exchange.getIn().getHeader("id", String.class);
        List<DeploymentEvent> events = records.events(id);
        if (events.isEmpty()) {
            respond(exchange, 404, Map.of("error", "no deployment " + id + " in the record"));
            return;
        }
        List<Object> body = new ArrayList<>();
        for (DeploymentEvent event : events) {
            body.add(json.readTree(EVENT_JSON.print(event)));
        }
        respond(exchange, 200, body);
    }

    /** An age ago (30m, 2h, 7d), a UTC date or an ISO-8601 instant, as the DLQ's since; null when not given. */
    static Instant since(String text, Instant now) {
        try {
            return TimeArgs.since(text, now);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("since " + e.getMessage());
        }
    }

    static int limit(String text) {
        if (text == null || text.isBlank()) {
            return DEFAULT_LIMIT;
        }
        try {
            int limit = Integer.parseInt(text.strip());
            if (limit > 0 && limit <= MAX_LIMIT) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("limit must be a whole number from 1 to " + MAX_LIMIT + ", not '" + text + "'");
    }

    private static String blankToNull(String text) {
        return text == null || text.isBlank() ? null : text.strip();
    }

    private void respond(Exchange exchange, int status, Object body) throws JsonProcessingException {
        Message out = exchange.getMessage();
        out.removeHeaders("*");
        out.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        out.setHeader(Exchange.CONTENT_TYPE, "application/json");
        out.setBody(json.writeValueAsString(body));
    }
}
