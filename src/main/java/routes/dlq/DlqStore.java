package routes.dlq;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

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

    private static final String COLUMNS = "id, source_stream, source_entry_id, consumer_group, worker, route_id, attempts, "
            + "exception_class, exception_message, first_failure_at, last_failure_at, dead_lettered_at, event_type, event_id, "
            + "deployment_id, correlation_id, payload_size, replayed_at, replay_count, replay_entry_id";

    private final JdbcTemplate jdbc;
    private final DeadLetters deadLetters;

    public DlqStore(DataSource dataSource, DeadLetters deadLetters) {
        this.jdbc = new JdbcTemplate(dataSource);
        this.deadLetters = deadLetters;
    }

    /** Route step of dlq-recorder: stores the delivered dead letter (once, however often it is delivered). */
    public void record(Exchange exchange) {
        insert(deadLetters.fromEntry(exchange));
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

    /** Dead letters claimed for one ops alert: how many per worker, the first one's time and the latest. */
    public record AlertBatch(String id, int count, Map<String, Integer> perWorker, Instant since, DeadLetter latest) {
    }

    /**
     * Claims the dead letters not alerted yet for one alert, when it is due: no dead letter came for {@code window},
     * or the oldest waits since {@code maxDelay}. A claim whose alert was never marked sent (its process died in
     * between) is taken again after {@code staleClaim}. Instances share the table: an UPDATE claims, so each dead
     * letter goes into one alert.
     */
    public Optional<AlertBatch> claimDueAlert(Instant now, Duration window, Duration maxDelay, Duration staleClaim) {
        Timestamp stale = ts(now.minus(staleClaim));
        String open = " FROM dead_letter WHERE alerted_at IS NULL AND (alert_id IS NULL OR alert_claimed_at < ?)";
        Map<String, Object> pending = jdbc.queryForMap("SELECT COUNT(*) AS n, MIN(dead_lettered_at) AS oldest, "
                + "MAX(dead_lettered_at) AS newest" + open, stale);
        if (((Number) pending.get("n")).intValue() == 0) {
            return Optional.empty();
        }
        Instant oldest = instant(pending.get("oldest"));
        Instant newest = instant(pending.get("newest"));
        if (newest.isAfter(now.minus(window)) && oldest.isAfter(now.minus(maxDelay))) {
            return Optional.empty();
        }
        String id = UUID.randomUUID().toString();
        int claimed = jdbc.update("UPDATE dead_letter SET alert_id = ?, alert_claimed_at = ? WHERE alerted_at IS NULL "
                + "AND (alert_id IS NULL OR alert_claimed_at < ?) AND dead_lettered_at <= ?", id, ts(now), stale, ts(newest));
        if (claimed == 0) {
            return Optional.empty();
        }
        Map<String, Integer> perWorker = new TreeMap<>();
        jdbc.query("SELECT worker, COUNT(*) FROM dead_letter WHERE alert_id = ? GROUP BY worker",
                (ResultSet rs) -> {
                    perWorker.put(rs.getString(1), rs.getInt(2));
                }, id);
        Instant since = instant(jdbc.queryForObject("SELECT MIN(dead_lettered_at) FROM dead_letter WHERE alert_id = ?",
                Object.class, id));
        DeadLetter latest = jdbc.query("SELECT " + COLUMNS + " FROM dead_letter WHERE alert_id = ? "
                + "ORDER BY dead_lettered_at DESC, id DESC LIMIT 1", mapper(false), id).get(0);
        return Optional.of(new AlertBatch(id, perWorker.values().stream().mapToInt(Integer::intValue).sum(), perWorker,
                since, latest));
    }

    /** The alert went out (or was tried on every target): its dead letters are alerted. */
    public void alerted(String alertId, Instant at) {
        jdbc.update("UPDATE dead_letter SET alerted_at = ? WHERE alert_id = ?", ts(at), alertId);
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

    /** A timestamp as the JDBC driver hands it over in a map or an Object column. */
    private static Instant instant(Object value) {
        if (value instanceof Timestamp t) {
            return t.toInstant();
        }
        if (value instanceof OffsetDateTime t) {
            return t.toInstant();
        }
        throw new IllegalStateException("not a timestamp: " + value);
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
