package routes.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.api.output.MigrateResult;
import org.junit.jupiter.api.Test;

/**
 * Printery's schema migration on PostgreSQL: databases of their own on the local server, one per test, dropped
 * afterwards. Fails, never skips, when that server is not there.
 */
class SchemaMigrationPostgresTest extends SchemaMigrationContract {

    private static final String SERVER = "jdbc:postgresql://127.0.0.1:5432/";
    private static final String USER = "postgres";

    private final List<String> databases = new ArrayList<>();

    @Override
    protected String createDatabase() {
        String database = "printery_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection admin = admin(); Statement s = admin.createStatement()) {
            s.execute("CREATE DATABASE " + database);
        } catch (SQLException e) {
            throw new AssertionError("SchemaMigrationPostgresTest needs PostgreSQL on 127.0.0.1:5432 where user '" + USER
                    + "' may connect without a password and create databases (see DlqStorePostgresTest): "
                    + e.getMessage(), e);
        }
        databases.add(database);
        return SERVER + database;
    }

    @Override
    protected void dropDatabases() throws SQLException {
        try (Connection admin = admin(); Statement s = admin.createStatement()) {
            for (String database : databases) {
                s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
            }
        }
    }

    @Override
    protected String user() {
        return USER;
    }

    @Override
    protected String[] quotingLocations() {
        return new String[] {"classpath:db/quoting/common", "classpath:db/quoting/postgresql"};
    }

    @Override
    protected void assertQuotedDialect(HikariDataSource db) throws SQLException {
        assertEquals("dollar; quoted;", scalar(db, "SELECT text FROM quoting_note WHERE id = 4"));
        assertEquals(1, scalar(db, "SELECT quoting_note_count('a')"));
        assertEquals(4, scalar(db, "SELECT quoting_note_count('')"));
    }

    @Test
    void twoMigrationsAtOnceBothSucceedAndApplyV1Once() throws Exception {
        String url = createDatabase();
        List<MigrateResult> results = atOnce(pool(url), pool(url));
        assertEquals(packaged(1).size(), results.stream().mapToInt(r -> r.migrationsExecuted).sum(),
                "each script applied by one of them");
        assertTrue(results.stream().allMatch(r -> r.success));
        assertEquals(packaged(1), history(pool(url)));
    }

    @Test
    void twoTakeoversAtOnceBothSucceedAndBaselineOnce() throws Exception {
        String url = createDatabase();
        oldMigratorLayout(url);
        List<MigrateResult> results = atOnce(pool(url), pool(url));
        assertTrue(results.stream().allMatch(r -> r.success));
        assertEquals(packaged(2).size(), results.stream().mapToInt(r -> r.migrationsExecuted).sum(),
                "only the scripts after the old migrator's version, each once");
        HikariDataSource db = pool(url);
        List<String> takenOver = new java.util.ArrayList<>(List.of("1 BASELINE taken over from schema_version true"));
        takenOver.addAll(packaged(2));
        assertEquals(takenOver, history(db));
        assertEquals(1L, scalar(db, "SELECT COUNT(*) FROM dead_letter"));
    }

    /** Two Printery processes starting at the same moment, each with a pool of its own. */
    private static List<MigrateResult> atOnce(HikariDataSource first, HikariDataSource second) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<MigrateResult>> running = new ArrayList<>();
            for (HikariDataSource db : List.of(first, second)) {
                db.getConnection().close(); // connected before the start, so both migrate at the same moment
                running.add(threads.submit((Callable<MigrateResult>) () -> {
                    go.await();
                    return new SchemaMigration(db).migrate();
                }));
            }
            go.countDown();
            List<MigrateResult> results = new ArrayList<>();
            for (Future<MigrateResult> result : running) {
                results.add(result.get(60, TimeUnit.SECONDS));
            }
            return results;
        } finally {
            threads.shutdownNow();
        }
    }

    private static Connection admin() throws SQLException {
        return DriverManager.getConnection(SERVER + "postgres?connectTimeout=5", USER, "");
    }
}
