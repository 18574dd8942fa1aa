package routes.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

import com.zaxxer.hikari.HikariDataSource;
import org.apache.camel.impl.DefaultCamelContext;
import org.flywaydb.core.api.output.MigrateResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import routes.dlq.DeadLetters;
import routes.dlq.DlqStore;

/**
 * Printery's schema migration, asserted identically on every database Printery supports: each subclass makes a
 * private database per test, and the app's own pool and migration (DatabaseConfiguration) are pointed at it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class SchemaMigrationContract {

    /** The old migrator's bookkeeping table, as it created it. */
    private static final String OLD_SCHEMA_VERSION = "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER "
            + "PRIMARY KEY, description VARCHAR(200) NOT NULL, installed_at TIMESTAMP NOT NULL)";
    private static final String LATER = "classpath:db/later";

    private DefaultCamelContext camel;
    private final List<HikariDataSource> pools = new ArrayList<>();

    /** Creates a database of this run's own and returns its JDBC URL. */
    protected abstract String createDatabase() throws Exception;

    /** Removes the databases made (the pools are closed by then). */
    protected abstract void dropDatabases() throws Exception;

    protected abstract String user();

    /** Where the scripts with semicolons and quoting of this database's dialect are. */
    protected abstract String[] quotingLocations();

    @BeforeAll
    void startCamel() {
        camel = new DefaultCamelContext();
        camel.start();
    }

    @AfterEach
    void closePools() {
        pools.forEach(HikariDataSource::close);
        pools.clear();
    }

    @AfterAll
    void dropAll() throws Exception {
        try {
            camel.close();
        } finally {
            dropDatabases();
        }
    }

    @Test
    void aFreshDatabaseIsMigratedToV1AndASecondRunIsANoOp() throws Exception {
        HikariDataSource db = open(createDatabase());
        assertTrue(tables(db).contains("dead_letter"), tables(db).toString());
        assertFalse(tables(db).contains("schema_version"), "the old migrator's table is not made any more");
        assertEquals(packaged(1), history(db));

        store(db).insert(new DeadLetters().fromEntry(entry("1-0")));
        MigrateResult again = new SchemaMigration(db).migrate();
        assertEquals(0, again.migrationsExecuted);
        assertEquals(packaged(1), history(db), "migrating again applies nothing");
        assertTrue(store(db).find("1-0").isPresent(), "migrating again keeps the data");
    }

    @Test
    void aDatabaseOfTheOldMigratorIsTakenOverWithItsDataAndGetsLaterScripts() throws Exception {
        String url = createDatabase();
        oldMigratorLayout(url);

        HikariDataSource db = open(url);
        List<String> takenOver = new ArrayList<>(List.of("1 BASELINE taken over from schema_version true"));
        takenOver.addAll(packaged(2));
        assertEquals(takenOver, history(db), "baselined at schema_version's version: V1 is not run again");
        assertEquals("payload of 1-0", new String(store(db).find("1-0").orElseThrow().payload(), StandardCharsets.UTF_8));
        assertTrue(tables(db).contains("schema_version"), "the old table stays for an earlier release");

        MigrateResult later = new SchemaMigration(db, SchemaMigration.LOCATION, LATER).migrate();
        assertEquals(1, later.migrationsExecuted);
        takenOver.add("1001 SQL V1001__dead_letter_note.sql true");
        assertEquals(takenOver, history(db));
        assertEquals("kept through the takeover", scalar(db, "SELECT note FROM dead_letter WHERE id = '1-0'"));
        assertEquals(0, new SchemaMigration(db, SchemaMigration.LOCATION, LATER).migrate().migrationsExecuted,
                "once taken over, schema_version no longer counts");
    }

    @Test
    void anEmptySchemaVersionOfAFailedOldMigrationIsTakenOverAtZero() throws Exception {
        String url = createDatabase();
        try (Connection c = DriverManager.getConnection(url, user(), ""); Statement s = c.createStatement()) {
            s.execute(OLD_SCHEMA_VERSION);
        }
        HikariDataSource db = open(url);
        List<String> fromZero = new ArrayList<>(List.of("0 BASELINE taken over from schema_version true"));
        fromZero.addAll(packaged(1));
        assertEquals(fromZero, history(db));
        assertTrue(tables(db).contains("dead_letter"));
    }

    @Test
    void semicolonsInStringsAndCommentsAreNoStatementEnds() throws Exception {
        HikariDataSource db = open(createDatabase());
        List<String> locations = new ArrayList<>(List.of(SchemaMigration.LOCATION));
        locations.addAll(List.of(quotingLocations()));
        new SchemaMigration(db, locations.toArray(String[]::new)).migrate();
        assertEquals("first line;\nsecond line", scalar(db, "SELECT text FROM quoting_note WHERE id = 1"));
        assertEquals("a; b;; c", scalar(db, "SELECT text FROM quoting_note WHERE id = 2"));
        assertEquals("it's;", scalar(db, "SELECT text FROM quoting_note WHERE id = 3"));
        assertQuotedDialect(db);
    }

    /** What the dialect's own quoting scripts made. */
    protected abstract void assertQuotedDialect(HikariDataSource db) throws SQLException;

    @Test
    void aFailingScriptFailsTheMigrationNamingIt() throws Exception {
        HikariDataSource db = open(createDatabase());
        IllegalStateException failed = assertThrows(IllegalStateException.class,
                () -> new SchemaMigration(db, SchemaMigration.LOCATION, "classpath:db/broken").migrate());
        assertTrue(failed.getMessage().startsWith("cannot migrate Printery's database (printery.db.url / PRINTERY_DB_URL): "),
                failed.getMessage());
        assertTrue(failed.getMessage().contains("V1001__broken.sql"), failed.getMessage());
    }

    @Test
    void anAppliedScriptChangedSinceFailsTheMigration() throws Exception {
        HikariDataSource db = open(createDatabase());
        new SchemaMigration(db, SchemaMigration.LOCATION, "classpath:db/checksum/applied").migrate();
        IllegalStateException failed = assertThrows(IllegalStateException.class,
                () -> new SchemaMigration(db, SchemaMigration.LOCATION, "classpath:db/checksum/changed").migrate());
        assertTrue(failed.getMessage().contains("checksum mismatch for migration version 1001"), failed.getMessage());
    }

    @Test
    void aSchemaWithOtherTablesAndNoHistoryFailsTheStart() throws Exception {
        String url = createDatabase();
        try (Connection c = DriverManager.getConnection(url, user(), ""); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE someone_elses (id INTEGER)");
        }
        try (DefaultCamelContext starting = new DefaultCamelContext()) {
            HikariDataSource db = new DatabaseConfiguration().printeryDataSource(starting, url, user(), "", 2, 5000);
            pools.add(db);
            Exception failed = assertThrows(Exception.class, starting::start);
            String message = causes(failed);
            assertTrue(message.contains("cannot migrate Printery's database (printery.db.url / PRINTERY_DB_URL): "), message);
            assertTrue(message.contains("non-empty schema"), message);
            assertTrue(db.isClosed(), "the pool is closed");
        }
    }

    /** The app's own pool with its migration, as DatabaseConfiguration binds it in a running context. */
    protected HikariDataSource open(String url) throws Exception {
        HikariDataSource db = new DatabaseConfiguration().printeryDataSource(camel, url, user(), "", 2, 5000);
        pools.add(db);
        return db;
    }

    /** A pool without migrating, as a second Printery process holds one. */
    protected HikariDataSource pool(String url) {
        HikariDataSource db = new HikariDataSource();
        db.setJdbcUrl(url);
        db.setUsername(user());
        db.setPassword("");
        db.setMaximumPoolSize(2);
        pools.add(db);
        return db;
    }

    /** What the old migrator left: schema_version with its row for V1, V1's tables, and a dead letter in them. */
    protected void oldMigratorLayout(String url) throws Exception {
        try (Connection c = DriverManager.getConnection(url, user(), ""); Statement s = c.createStatement()) {
            s.execute(OLD_SCHEMA_VERSION);
            for (String sql : v1Statements()) {
                s.execute(sql);
            }
            try (PreparedStatement insert = c.prepareStatement(
                    "INSERT INTO schema_version (version, description, installed_at) VALUES (1, 'V1__dead_letters.sql', ?)")) {
                insert.setTimestamp(1, Timestamp.from(Instant.now()));
                insert.executeUpdate();
            }
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO dead_letter (id, source_stream, "
                    + "source_entry_id, consumer_group, worker, attempts, exception_class, first_failure_at, "
                    + "last_failure_at, dead_lettered_at, payload, payload_size) VALUES ('1-0', 's', '1700000000000-0', "
                    + "'g', 'validator-failures', 4, 'X', ?, ?, ?, ?, 14)")) {
                OffsetDateTime at = OffsetDateTime.now(ZoneOffset.UTC);
                insert.setObject(1, at);
                insert.setObject(2, at);
                insert.setObject(3, at);
                insert.setBytes(4, "payload of 1-0".getBytes(StandardCharsets.UTF_8));
                insert.executeUpdate();
            }
        }
    }

    /** V1 as the old migrator ran it (V1 has no ';' but at statement ends). */
    private static List<String> v1Statements() throws IOException {
        String script;
        try (InputStream in = SchemaMigrationContract.class.getResourceAsStream("/db/migration/V1__dead_letters.sql")) {
            script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        StringBuilder code = new StringBuilder();
        script.lines().filter(line -> !line.strip().startsWith("--")).forEach(line -> code.append(line).append('\n'));
        return List.of(code.toString().split(";")).stream().map(String::strip).filter(sql -> !sql.isEmpty()).toList();
    }

    /** The packaged scripts from a version on, as {@link #history} shows them applied. */
    protected static List<String> packaged(int from) throws java.io.IOException {
        try (var files = java.nio.file.Files.list(java.nio.file.Path.of("src/main/resources/db/migration"))) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.matches("V\\d+__.*\\.sql"))
                    .sorted(java.util.Comparator.comparingInt(ScriptVersion::of))
                    .filter(n -> ScriptVersion.of(n) >= from).map(n -> ScriptVersion.of(n) + " SQL " + n + " true").toList();
        }
    }

    /** A script's version: the number after V. */
    private static final class ScriptVersion {
        static int of(String script) {
            return Integer.parseInt(script.substring(1, script.indexOf("__")));
        }
    }

    /** flyway_schema_history as "version type script success", in order; without Flyway's markers (no version). */
    protected static List<String> history(HikariDataSource db) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection c = db.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT \"version\", \"type\", \"script\", \"success\" FROM "
                     + "\"flyway_schema_history\" WHERE \"version\" IS NOT NULL ORDER BY \"installed_rank\"")) {
            while (rs.next()) {
                rows.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3) + " " + rs.getBoolean(4));
            }
        }
        return rows;
    }

    protected static Object scalar(HikariDataSource db, String sql) throws SQLException {
        try (Connection c = db.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            assertTrue(rs.next(), sql);
            return rs.getObject(1);
        }
    }

    protected static Set<String> tables(HikariDataSource db) throws SQLException {
        Set<String> names = new TreeSet<>();
        try (Connection c = db.getConnection();
             ResultSet rs = c.getMetaData().getTables(c.getCatalog(), c.getSchema(), "%", new String[] {"TABLE"})) {
            while (rs.next()) {
                names.add(rs.getString("TABLE_NAME").toLowerCase(Locale.ROOT));
            }
        }
        return names;
    }

    private static DlqStore store(HikariDataSource db) {
        return new DlqStore(db, new DeadLetters());
    }

    private org.apache.camel.Exchange entry(String id) {
        var exchange = new org.apache.camel.support.DefaultExchange(camel);
        exchange.getIn().setHeader(routes.streams.RedisStreamsConstants.ENTRY_ID, id);
        exchange.getIn().setBody("payload of ".concat(id).getBytes(StandardCharsets.UTF_8));
        return exchange;
    }

    private static String causes(Throwable e) {
        StringBuilder messages = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            messages.append(t.getMessage()).append(" | ");
        }
        return messages.toString();
    }
}
