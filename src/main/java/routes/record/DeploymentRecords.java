package routes.record;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.sql.DataSource;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import routes.events.EventFormat;
import routes.events.proto.DeploymentEvent;
import routes.record.RecordFold.Folded;
import routes.record.RecordFold.Recorded;

/**
 * The deployment record in Printery's database (tables deployment_record_event and deployment_record, see
 * db/migration): each event once, and per deployment the record folded from all of its events. Events of one
 * deployment are recorded one at a time (a row lock on its record), so concurrent consumers and instances never
 * write a record folded from fewer events over one folded from more.
 */
public class DeploymentRecords {

    private static final TypeReference<Map<String, Object>> DOCUMENT = new TypeReference<>() {
    };

    private static final String SUMMARY_COLUMNS = "SELECT id, version, environment, actor, status, started_at, ended_at "
            + "FROM deployment_record";
    private static final RowMapper<Map<String, Object>> SUMMARY = (rs, n) -> {
        Map<String, Object> row = new java.util.LinkedHashMap<>();
        row.put("id", rs.getString(1));
        row.put("version", rs.getString(2));
        row.put("environment", rs.getString(3));
        row.put("actor", rs.getString(4));
        row.put("status", rs.getString(5));
        long started = rs.getLong(6);
        row.put("started_at", Instant.ofEpochMilli(started).toString());
        long ended = rs.getLong(7);
        boolean open = rs.wasNull();
        row.put("ended_at", open ? null : Instant.ofEpochMilli(ended).toString());
        row.put("duration_ms", open ? null : ended - started);
        row.put("cursor_at", started);
        return row;
    };

    /**
     * The list's indexes by their leading columns (migration V5), the one to page on first: a version is deployed a
     * few times, environment with status is the live page's pair.
     */
    private static final List<List<String>> LEADS = List.of(List.of("version"), List.of("environment", "status"),
            List.of("environment"), List.of("actor"), List.of("status"));
    private static final String INSERT_RECORD = "INSERT INTO deployment_record (id, version, environment, actor, status, "
            + "started_at, ended_at, document) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
    private static final String INSERT_EVENT = "INSERT INTO deployment_record_event (event_id, deployment_id, type, "
            + "occurred_at, stream, entry_ms, entry_seq, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
    private static final Instant EARLIEST = Instant.ofEpochMilli(Long.MIN_VALUE);
    private static final Instant LATEST = Instant.ofEpochMilli(Long.MAX_VALUE);

    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final ObjectMapper json;
    private final DeliveryLog deliveries;

    public DeploymentRecords(DataSource dataSource, ObjectMapper json, DeliveryLog deliveries) {
        this.jdbc = new JdbcTemplate(dataSource);
        this.tx = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
        this.json = json;
        this.deliveries = deliveries;
    }

    /** What the list filters on; null fields do not filter. */
    public record Filter(String environment, String status, String version, String actor, Instant since) {
    }

    /** One page of the list, newest first; {@code next} is the cursor of the page after it, null at the end. */
    public record Page(List<Map<String, Object>> items, String next) {
    }

    /**
     * Records an event read from {@code stream} at {@code entryId}. Returns false when it was recorded before (the
     * record stays as it was; only an earlier entry of the same event replaces the one kept).
     */
    public boolean record(DeploymentEvent event, String stream, String entryId) {
        long[] entry = entryId(entryId);
        Recorded recorded = new Recorded(event, stream, entry[0] + "-" + entry[1]);
        try {
            return Boolean.TRUE.equals(tx.execute(status -> add(recorded, entry)));
        } catch (DuplicateKeyException e) {
            // The deployment's first event, recorded by another consumer at the same moment: now the row exists.
            return Boolean.TRUE.equals(tx.execute(status -> add(recorded, entry)));
        }
    }

    private boolean add(Recorded recorded, long[] entry) {
        DeploymentEvent event = recorded.event();
        String id = event.getDeploymentId();
        // Locks the deployment's record row until this event is recorded.
        List<String> stored = jdbc.query("SELECT document FROM deployment_record WHERE id = ? FOR UPDATE",
                (rs, n) -> rs.getString(1), id);
        if (stored.isEmpty()) {
            // Its first event: the insert fails if another consumer's first event made the row meanwhile.
            Folded folded = RecordFold.fold(id, List.of(recorded));
            jdbc.update(INSERT_RECORD, id, folded.version(), folded.environment(), folded.actor(), folded.status(),
                    folded.startedAt(), folded.endedAt(), write(folded.document()));
            jdbc.update(INSERT_EVENT, event(recorded, entry));
            return true;
        }
        // The record holds every event folded into it (its timeline), so it tells whether this one was.
        RecordFold fold = RecordFold.resume(read(stored.get(0)));
        String kept = fold.entryOf(event.getEventId());
        if (kept != null) {
            if (earlier(recorded.entryId(), kept)) {
                jdbc.update("UPDATE deployment_record_event SET stream = ?, entry_ms = ?, entry_seq = ? WHERE event_id = ?",
                        recorded.stream(), entry[0], entry[1], event.getEventId());
                update(id, refold(id));
            }
            return false;
        }
        jdbc.update(INSERT_EVENT, event(recorded, entry));
        if (fold.follows(event)) {
            fold.add(recorded);
            update(id, fold.folded());
        } else {
            update(id, refold(id));
        }
        return true;
    }

    /** The record folded again from all of the deployment's events: for one that arrived out of their order. */
    private Folded refold(String id) {
        List<Recorded> events = jdbc.query("SELECT payload, stream, entry_ms, entry_seq FROM deployment_record_event "
                        + "WHERE deployment_id = ?", (rs, n) -> new Recorded(EventFormat.decode(rs.getBytes(1)),
                        rs.getString(2), rs.getLong(3) + "-" + rs.getLong(4)), id);
        return RecordFold.fold(id, events);
    }

    private void update(String id, Folded folded) {
        jdbc.update("UPDATE deployment_record SET version = ?, environment = ?, actor = ?, status = ?, started_at = ?, "
                        + "ended_at = ?, document = ? WHERE id = ?", folded.version(), folded.environment(), folded.actor(),
                folded.status(), folded.startedAt(), folded.endedAt(), write(folded.document()), id);
    }

    private static Object[] event(Recorded recorded, long[] entry) {
        DeploymentEvent event = recorded.event();
        return new Object[] {event.getEventId(), event.getDeploymentId(), event.getType(), event.getTimestamp(),
                recorded.stream(), entry[0], entry[1], event.toByteArray()};
    }

    /** An event as read from a stream at an entry, for {@link #load}. */
    public record Read(DeploymentEvent event, String stream, String entryId) {
    }

    /**
     * Records whole deployments at once in JDBC batches, in one transaction: each one's events (once per event id,
     * the earliest entry kept) and the record folded from them, as {@link #record} leaves them one event at a time.
     * For bulk loads (printery bench --record) of deployments the record does not have: one it has already fails
     * the load, which then writes nothing. Tells no live view.
     */
    public void load(Map<String, List<Read>> deployments) {
        List<Object[]> records = new ArrayList<>(deployments.size());
        List<Object[]> events = new ArrayList<>();
        deployments.forEach((id, reads) -> {
            Map<String, Read> once = new java.util.LinkedHashMap<>();
            for (Read read : reads) {
                once.merge(read.event().getEventId(), read, (kept, other) -> earlier(other.entryId(), kept.entryId()) ? other : kept);
            }
            List<Recorded> recorded = new ArrayList<>(once.size());
            for (Read read : once.values()) {
                long[] entry = entryId(read.entryId());
                DeploymentEvent event = read.event();
                events.add(new Object[] {event.getEventId(), id, event.getType(), event.getTimestamp(), read.stream(),
                        entry[0], entry[1], event.toByteArray()});
                recorded.add(new Recorded(event, read.stream(), entry[0] + "-" + entry[1]));
            }
            Folded folded = RecordFold.fold(id, recorded);
            records.add(new Object[] {id, folded.version(), folded.environment(), folded.actor(), folded.status(),
                    folded.startedAt(), folded.endedAt(), write(folded.document())});
        });
        tx.executeWithoutResult(status -> {
            jdbc.batchUpdate(INSERT_RECORD, records);
            jdbc.batchUpdate(INSERT_EVENT, events);
        });
    }

    private static boolean earlier(String entryId, String than) {
        long[] a = entryId(entryId);
        long[] b = entryId(than);
        return a[0] < b[0] || a[0] == b[0] && a[1] < b[1];
    }

    /** The whole record of a deployment, with its notification deliveries. */
    public Optional<Map<String, Object>> find(String id) {
        Optional<Map<String, Object>> record = jdbc.query("SELECT document FROM deployment_record WHERE id = ?",
                (rs, n) -> read(rs.getString(1)), id).stream().findFirst();
        record.ifPresent(document -> document.put("notifications", deliveries.of(id)));
        return record;
    }

    /** A deployment's summary, as in the list: null when the record has not seen it. */
    public Map<String, Object> summary(String id) {
        List<Map<String, Object>> rows = jdbc.query(SUMMARY_COLUMNS + " WHERE id = ?", SUMMARY, id);
        if (rows.isEmpty()) {
            return null;
        }
        rows.get(0).remove("cursor_at");
        return rows.get(0);
    }

    /** A deployment's events in time order, each in full (proto field names). */
    public List<DeploymentEvent> events(String id) {
        return jdbc.query("SELECT payload FROM deployment_record_event WHERE deployment_id = ? ORDER BY occurred_at, "
                + "event_id", (rs, n) -> EventFormat.decode(rs.getBytes(1)), id);
    }

    /**
     * A page of deployments, newest first: their summaries (id, version, environment, actor, status, start, end).
     *
     * @param cursor the page's start as {@link Page#next()} gave it, or null for the first page
     * @throws IllegalArgumentException when the cursor is not one this store made
     */
    public Page list(Filter filter, String cursor, int limit) {
        StringBuilder sql = new StringBuilder(SUMMARY_COLUMNS + " WHERE 1 = 1");
        List<Object> args = new ArrayList<>();
        Map<String, String> equal = new java.util.LinkedHashMap<>();
        equal.put("version", filter.version());
        equal.put("environment", filter.environment());
        equal.put("actor", filter.actor());
        equal.put("status", filter.status());
        equal.values().removeIf(value -> value == null || value.isBlank());
        equal.forEach((column, value) -> {
            sql.append(" AND ").append(column).append(" = ?");
            args.add(value);
        });
        // The page is read from an index on the filter's columns, then started_at and id (migration V5), in its
        // order: those columns lead the ORDER BY too. That changes no order (each is one value here), but without it
        // H2 reads every entry of the filter and sorts them.
        List<String> lead = LEADS.stream().filter(equal.keySet()::containsAll).findFirst().orElse(List.of());
        if (filter.since() != null) {
            sql.append(" AND started_at >= ?");
            args.add(millis(filter.since()));
        }
        if (cursor != null) {
            Object[] at = cursor(cursor);
            // started_at <= first: the index is entered at the cursor, not read from the newest row to it.
            sql.append(" AND started_at <= ? AND (started_at < ? OR id < ?)");
            args.add(at[0]);
            args.add(at[0]);
            args.add(at[1]);
        }
        sql.append(" ORDER BY ");
        lead.forEach(column -> sql.append(column).append(" DESC, "));
        sql.append("started_at DESC, id DESC LIMIT ?");
        args.add(limit + 1);
        List<Map<String, Object>> rows = jdbc.query(sql.toString(), SUMMARY, args.toArray());
        String next = null;
        if (rows.size() > limit) {
            rows = new ArrayList<>(rows.subList(0, limit));
            Map<String, Object> last = rows.get(limit - 1);
            next = Base64.getUrlEncoder().withoutPadding().encodeToString(
                    (last.get("cursor_at") + ":" + last.get("id")).getBytes(StandardCharsets.UTF_8));
        }
        rows.forEach(row -> row.remove("cursor_at"));
        return new Page(rows, next);
    }

    /** Removes the records (and their events) of deployments that started before {@code before}; returns how many. */
    public int purge(Instant before) {
        Integer removed = tx.execute(status -> {
            for (String table : List.of("deployment_record_event", "notification_delivery")) {
                jdbc.update("DELETE FROM " + table + " WHERE deployment_id IN (SELECT id FROM deployment_record "
                        + "WHERE started_at < ?)", millis(before));
            }
            return jdbc.update("DELETE FROM deployment_record WHERE started_at < ?", millis(before));
        });
        return removed == null ? 0 : removed;
    }

    /** Epoch millis, as the columns hold them; an instant beyond their range is before or after every record. */
    private static long millis(Instant instant) {
        if (instant.isBefore(EARLIEST)) {
            return Long.MIN_VALUE;
        }
        return instant.isAfter(LATEST) ? Long.MAX_VALUE : instant.toEpochMilli();
    }

    private static Object[] cursor(String cursor) {
        try {
            String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            int colon = text.indexOf(':');
            return new Object[] {Long.parseLong(text.substring(0, colon)), text.substring(colon + 1)};
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("cursor '" + cursor + "' is not one a page of this list gave");
        }
    }

    private static long[] entryId(String entryId) {
        int dash = entryId == null ? -1 : entryId.indexOf('-');
        if (dash < 0) {
            return new long[] {Long.MAX_VALUE, Long.MAX_VALUE};
        }
        return new long[] {Long.parseLong(entryId.substring(0, dash)), Long.parseLong(entryId.substring(dash + 1))};
    }

    private String write(Map<String, Object> document) {
        try {
            return json.writeValueAsString(document);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private Map<String, Object> read(String document) {
        try {
            return json.readValue(document, DOCUMENT);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable deployment record: " + e.getOriginalMessage(), e);
        }
    }
}
