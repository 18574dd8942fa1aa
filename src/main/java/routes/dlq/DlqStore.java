package routes.dlq;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import javax.sql.DataSource;

import org.apache.camel.Exchange;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;

/**
 * Dead letters in Printery's database (table dead_letter, see db/migration). Recording is idempotent on the DLQ
 * entry id, so a dead letter redelivered after a crash is stored once. Database outages surface as Spring's
 * DataAccessResourceFailureException family, which the routes retry without limit.
 */
public class DlqStore {

    /** Set on the recorder's exchange: true when this delivery stored the dead letter, false for a repeat. */
    public static final String RECORDED = "PrinteryDlqRecorded";

    private static final String COLUMNS = "id, source_stream, source_entry_id, consumer_group, worker, route_id, attempts, "
            + "exception_class, exception_message, first_failure_at, last_failure_at, dead_lettered_at, event_type, event_id, "
            + "deployment_id, correlation_id, payload_size, replayed_at, replay_count, replay_entry_id";

    private final JdbcTemplate jdbc;
    private final DeadLetters deadLetters;

    public DlqStore(DataSource dataSource, DeadLetters deadLetters) {
        this.jdbc = new JdbcTemplate(dataSource);
        this.deadLetters = deadLetters;
    }

    /** Route step of dlq-recorder: stores the delivered dead letter and leaves it as the body for the alert. */
    public void record(Exchange exchange) {
        DeadLetter letter = deadLetters.fromEntry(exchange);
        exchange.setProperty(RECORDED, insert(letter));
        exchange.getMessage().setBody(letter);
    }

    /** @return false when a dead letter with this id was stored before */
    public boolean insert(DeadLetter d) {
        if (exists(d.id())) {
            return false;
        }
        try {
            jdbc.update("INSERT INTO dead_letter (" + COLUMNS + ", payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    d.id(), d.sourceStream(), d.sourceEntryId(), d.group(), d.worker(), d.routeId(), d.attempts(),
                    d.exceptionClass(), d.exceptionMessage(), ts(d.firstFailureAt()), ts(d.lastFailureAt()),
                    ts(d.deadLetteredAt()), d.eventType(), d.eventId(), d.deploymentId(), d.correlationId(), d.payloadSize(),
                    null, 0, null, d.payload());
            return true;
        } catch (DuplicateKeyException e) {
            // Stored by a concurrent delivery of the same entry in the meantime.
            return false;
        }
    }

    private boolean exists(String id) {
        Integer n = jdbc.queryForObject("SELECT COUNT(*) FROM dead_letter WHERE id = ?", Integer.class, id);
        return n != null && n > 0;
    }

    /** Newest first, without payloads; worker and since are optional filters. */
    public List<DeadLetter> list(String worker, Instant since, int limit) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM dead_letter WHERE 1 = 1");
        List<Object> args = new ArrayList<>();
        if (worker != null && !worker.isBlank()) {
            sql.append(" AND worker = ?");
            args.add(worker);
        }
        if (since != null && since.isAfter(LAST)) {
            return List.of();
        }
        if (since != null && since.isAfter(FIRST)) {
            sql.append(" AND dead_lettered_at >= ?");
            args.add(ts(since));
        }
        sql.append(" ORDER BY dead_lettered_at DESC, id DESC LIMIT ?");
        args.add(limit);
        return jdbc.query(sql.toString(), mapper(false), args.toArray());
    }

    public Optional<DeadLetter> find(String id) {
        return jdbc.query("SELECT " + COLUMNS + ", payload FROM dead_letter WHERE id = ?", mapper(true), id).stream().findFirst();
    }

    /**
     * Takes the right to replay: true when the dead letter was never replayed, when a replay claimed it before
     * {@code unfinishedBefore} and never wrote its entry (the replaying process died in between), or force is set.
     * Taken before the entry is written, so two concurrent replays cannot both write it.
     */
    public boolean claimReplay(String id, boolean force, Instant at, Instant unfinishedBefore) {
        return jdbc.update("UPDATE dead_letter SET replayed_at = ?, replay_count = replay_count + 1, replay_entry_id = NULL "
                + "WHERE id = ?" + (force ? "" : " AND (replayed_at IS NULL OR (replay_entry_id IS NULL AND replayed_at < ?))"),
                force ? new Object[] {ts(at), id} : new Object[] {ts(at), id, ts(unfinishedBefore)}) == 1;
    }

    /** Gives the claim back when writing the replay failed, restoring what the record said before. */
    public void releaseReplay(DeadLetter before) {
        jdbc.update("UPDATE dead_letter SET replayed_at = ?, replay_count = ?, replay_entry_id = ? WHERE id = ?",
                ts(before.replayedAt()), before.replayCount(), before.replayEntryId(), before.id());
    }

    public void replayed(String id, String entryId) {
        jdbc.update("UPDATE dead_letter SET replay_entry_id = ? WHERE id = ?", entryId, id);
    }

    /** @return how many dead letters older than the cut-off were deleted */
    public int purge(Instant olderThan) {
        return jdbc.update("DELETE FROM dead_letter WHERE dead_lettered_at < ?", ts(olderThan));
    }

    /**
     * The years a dead letter's time can have (its column's range on every database). A since outside them keeps
     * its meaning (before every record, after every record) instead of reaching the database, where such a value
     * wraps round or overflows.
     */
    private static final Instant FIRST = Instant.parse("0001-01-01T00:00:00Z");
    private static final Instant LAST = Instant.parse("9999-12-31T23:59:59.999Z");

    private static Timestamp ts(Instant instant) {
        return instant == null ? null : Timestamp.from(instant);
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }

    private static RowMapper<DeadLetter> mapper(boolean withPayload) {
        return (rs, n) -> new DeadLetter(rs.getString("id"), rs.getString("source_stream"), rs.getString("source_entry_id"),
                rs.getString("consumer_group"), rs.getString("worker"), rs.getString("route_id"), rs.getInt("attempts"),
                rs.getString("exception_class"), rs.getString("exception_message"), instant(rs, "first_failure_at"),
                instant(rs, "last_failure_at"), instant(rs, "dead_lettered_at"), rs.getString("event_type"),
                rs.getString("event_id"), rs.getString("deployment_id"), rs.getString("correlation_id"),
                withPayload ? rs.getBytes("payload") : null, rs.getInt("payload_size"), instant(rs, "replayed_at"),
                rs.getInt("replay_count"), rs.getString("replay_entry_id"));
    }
}
