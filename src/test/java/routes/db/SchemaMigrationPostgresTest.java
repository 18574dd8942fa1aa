package routes.db;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.api.output.MigrateResult;
import org.junit.jupiter.api.Test;
import routes.support.PostgresDatabases;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Printery's schema migration on PostgreSQL: databases of their own on the local server, one per test, dropped
 * afterwards. Fails, never skips, when that server is not there.
 */
class SchemaMigrationPostgresTest extends SchemaMigrationContract {

    private final List<String> databases = new ArrayList<>();

    @Override
    protected String createDatabase() {
        String url = PostgresDatabases.create();
        databases.add(url);
        return url;
    }

    @Override
    protected void dropDatabases() throws SQLException {
        for (String url : databases) {
            PostgresDatabases.drop(url);
        }
    }

    @Override
    protected String user() {
        return PostgresDatabases.USER;
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
}
