package routes.db;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.UUID;

import com.zaxxer.hikari.HikariDataSource;

/** Printery's schema migration on H2, its embedded default (in memory here, a database of its own per test). */
class SchemaMigrationH2Test extends SchemaMigrationContract {

    @Override
    protected String createDatabase() {
        return "jdbc:h2:mem:schema-migration-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
    }

    @Override
    protected void dropDatabases() {
        // DB_CLOSE_DELAY=-1 keeps them for the JVM only; nothing on disk to remove.
    }

    @Override
    protected String user() {
        return "sa";
    }

    @Override
    protected String[] quotingLocations() {
        return new String[] {"classpath:db/quoting/common"};
    }

    @Override
    protected void assertQuotedDialect(HikariDataSource db) throws java.sql.SQLException {
        assertEquals(3L, ((Number) scalar(db, "SELECT COUNT(*) FROM quoting_note")).longValue());
    }
}
