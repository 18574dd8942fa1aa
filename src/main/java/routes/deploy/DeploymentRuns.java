package routes.deploy;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import javax.sql.DataSource;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The orchestrator's deployments in Printery's database (tables deployment_run and environment_lock, see
 * db/migration). Every change is a compare-and-set on the run's revision that never touches an ended run, so
 * whichever instance or redelivered event comes second changes nothing; a deployment holds its environment's lock
 * from creation to its end.
 */
public class DeploymentRuns {

    private static final String TERMINAL = "('COMPLETED', 'FAILED', 'ROLLED_BACK', 'CANCELLED')";
    private static final String COLUMNS = "id, correlation_id, version, environment, strategy, services, actor, phase, "
            + "stage_index, deadline_at, cancel_requested, progress, error, started_at, updated_at, finished_at, "
            + "lease_owner, lease_until, fencing_token, revision";

    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;

    public DeploymentRuns(DataSource dataSource) {
        this.jdbc = new JdbcTemplate(dataSource);
        this.tx = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
    }

    /**
     * Stores a new deployment with its environment's lock.
     *
     * @throws EnvironmentLockedException when a deployment that has not ended holds the environment
     */
    public DeploymentRun create(DeploymentRun run) {
        try {
            return tx.execute(status -> insert(run));
        } catch (DuplicateKeyException e) {
            // Another deployment took the lock between our look and our insert: it is running now.
            return tx.execute(status -> insert(run));
        }
    }

    private DeploymentRun insert(DeploymentRun run) {
        String holder = jdbc.query("SELECT deployment_id FROM environment_lock WHERE environment = ?",
                rs -> rs.next() ? rs.getString(1) : null, run.environment());
        if (holder == null) {
            jdbc.update("INSERT INTO environment_lock (environment, deployment_id, acquired_at) VALUES (?, ?, ?)",
                    run.environment(), run.id(), ts(run.startedAt()));
        } else if (find(holder).map(h -> !h.phase().terminal()).orElse(false)) {
            throw new EnvironmentLockedException(run.environment(), holder);
        } else if (jdbc.update("UPDATE environment_lock SET deployment_id = ?, acquired_at = ? WHERE environment = ? "
                + "AND deployment_id = ?", run.id(), ts(run.startedAt()), run.environment(), holder) == 0) {
            // The lock of an ended deployment, taken over by another new one first.
            throw new EnvironmentLockedException(run.environment(), lockHolder(run.environment()).orElse(holder));
        }
        jdbc.update("INSERT INTO deployment_run (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                run.id(), run.correlationId(), run.version(), run.environment(), run.strategy(),
                String.join(",", run.services()), run.actor(), run.phase().name(), run.stageIndex(), ts(run.deadlineAt()),
                run.cancelRequested(), run.progress(), run.error(), ts(run.startedAt()), ts(run.updatedAt()),
                ts(run.finishedAt()), run.leaseOwner(), ts(run.leaseUntil()), run.fencingToken(), run.revision());
        return run;
    }

    public Optional<DeploymentRun> find(String id) {
        return jdbc.query("SELECT " + COLUMNS + " FROM deployment_run WHERE id = ?", DeploymentRuns::row, id).stream().findFirst();
    }

    /**
     * Writes {@code next} in place of {@code current} if the stored run is still at current's revision and has not
     * ended; an ended run releases its environment. Returns what was written (revision raised), or empty when another
     * change came first: the caller reads the run again and decides anew.
     */
    public Optional<DeploymentRun> update(DeploymentRun current, DeploymentRun next) {
        DeploymentRun written = new DeploymentRun(next.id(), next.correlationId(), next.version(), next.environment(),
                next.strategy(), next.services(), next.actor(), next.phase(), next.stageIndex(), next.deadlineAt(),
                next.cancelRequested(), next.progress(), next.error(), next.startedAt(), next.updatedAt(),
                next.finishedAt(), next.leaseOwner(), next.leaseUntil(), next.fencingToken(), current.revision() + 1);
        return tx.execute(status -> {
            int changed = jdbc.update("UPDATE deployment_run SET phase = ?, stage_index = ?, deadline_at = ?, "
                            + "cancel_requested = ?, progress = ?, error = ?, updated_at = ?, finished_at = ?, lease_owner = ?, "
                            + "lease_until = ?, fencing_token = ?, revision = ? WHERE id = ? AND revision = ? AND phase NOT IN "
                            + TERMINAL,
                    written.phase().name(), written.stageIndex(), ts(written.deadlineAt()), written.cancelRequested(),
                    written.progress(), written.error(), ts(written.updatedAt()), ts(written.finishedAt()),
                    written.leaseOwner(), ts(written.leaseUntil()), written.fencingToken(), written.revision(),
                    current.id(), current.revision());
            if (changed == 0) {
                return Optional.<DeploymentRun>empty();
            }
            if (written.phase().terminal()) {
                jdbc.update("DELETE FROM environment_lock WHERE environment = ? AND deployment_id = ?",
                        written.environment(), written.id());
            }
            return Optional.of(written);
        });
    }

    /**
     * Deployments not ended whose lease is free or ran out by {@code now}, oldest first: new ones, those waiting
     * for a result (their deadline is watched), and those whose instance died in the middle of a step.
     */
    public List<DeploymentRun> unleased(Instant now, int limit) {
        return jdbc.query("SELECT " + COLUMNS + " FROM deployment_run WHERE phase NOT IN " + TERMINAL
                + " AND (lease_until IS NULL OR lease_until < ?) ORDER BY started_at FETCH FIRST " + limit + " ROWS ONLY",
                DeploymentRuns::row, ts(now));
    }

    /** The deployment holding the environment, if one does. */
    public Optional<String> lockHolder(String environment) {
        return Optional.ofNullable(jdbc.query("SELECT deployment_id FROM environment_lock WHERE environment = ?",
                rs -> rs.next() ? rs.getString(1) : null, environment));
    }

    /** By position, in the order of COLUMNS: H2 builds a map of a result's column names for each lookup by name. */
    private static DeploymentRun row(ResultSet rs, int n) throws SQLException {
        String services = rs.getString(6);
        return new DeploymentRun(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                services.isEmpty() ? List.of() : Arrays.asList(services.split(",")), rs.getString(7),
                RunPhase.valueOf(rs.getString(8)), rs.getInt(9), instant(rs, 10), rs.getBoolean(11), rs.getString(12),
                rs.getString(13), instant(rs, 14), instant(rs, 15), instant(rs, 16), rs.getString(17), instant(rs, 18),
                rs.getLong(19), rs.getLong(20));
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }

    private static Timestamp ts(Instant instant) {
        return instant == null ? null : Timestamp.from(instant);
    }
}
