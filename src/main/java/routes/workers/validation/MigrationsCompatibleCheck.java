package routes.workers.validation;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import routes.manifest.Manifest;
import routes.manifest.Manifest.Infrastructure;
import routes.manifest.Manifest.Migrations;
import routes.manifest.Manifest.VersionRange;
import routes.manifest.SchemaVersion;
import routes.workers.probe.ConnectionRefused;

/**
 * migrations_compatible: the schema version applied to the target database (the highest successful version in the
 * Flyway-style history table) lies within the range the release declares: migrations.releases entry matching the
 * version exactly, else the longest matching "prefix*" entry, else migrations.minVersion / maxVersion.
 */
public final class MigrationsCompatibleCheck implements ValidationCheck {

    /** SQLSTATE for a missing table: PostgreSQL (42P01) and the standard / H2 one (42S02). */
    private static final Set<String> UNDEFINED_TABLE = Set.of("42P01", "42S02");

    private final Manifest manifest;
    private final int timeoutSeconds;

    public MigrationsCompatibleCheck(Manifest manifest, Duration timeout) {
        this.manifest = manifest;
        this.timeoutSeconds = (int) Math.max(1, (timeout.toMillis() + 999) / 1000);
    }

    @Override
    public String name() {
        return "migrations_compatible";
    }

    @Override
    public CheckOutcome check(Release release) {
        Migrations migrations = manifest.migrations();
        if (migrations == null) {
            return CheckOutcome.passed("no migrations section in the manifest: nothing to compare");
        }
        Infrastructure database = manifest.infrastructure().get(migrations.database());
        Declared declared = declared(migrations, release.version());
        SchemaVersion applied;
        try {
            applied = applied(database, migrations.table());
        } catch (SQLException e) {
            if (UNDEFINED_TABLE.contains(e.getSQLState())) {
                return CheckOutcome.failed("table " + migrations.table() + " not found in database " + database.name()
                        + ": no migrations applied there, or migrations.table names the wrong table");
            }
            return CheckOutcome.failed("could not read the schema version of database " + database.name() + ": "
                    + ConnectionRefused.message(e, database.url()).orElse(e.getMessage()));
        } catch (IllegalArgumentException e) {
            return CheckOutcome.failed("database " + database.name() + " has an applied version Printery cannot compare: " + e.getMessage());
        }
        if (applied == null) {
            return CheckOutcome.failed("no successful versioned migration in " + migrations.table() + " of database " + database.name());
        }
        String where = "database " + database.name() + " is at schema " + applied + "; release " + release.version()
                + " declares " + declared.describe() + " (" + declared.key + ")";
        if (declared.min != null && applied.compareTo(SchemaVersion.parse(declared.min)) < 0
                || declared.max != null && applied.compareTo(SchemaVersion.parse(declared.max)) > 0) {
            return CheckOutcome.failed(where + ": incompatible");
        }
        return CheckOutcome.passed(where + ": compatible");
    }

    /** The highest successfully applied version, or null when there is none. */
    private SchemaVersion applied(Infrastructure database, String table) throws SQLException {
        Properties properties = new Properties();
        if (database.username() != null) {
            properties.setProperty("user", database.username());
        }
        if (database.password() != null) {
            properties.setProperty("password", database.password());
        }
        // PostgreSQL driver bounds, so a dead database cannot hold the check's thread past its timeout.
        properties.setProperty("connectTimeout", String.valueOf(timeoutSeconds));
        properties.setProperty("socketTimeout", String.valueOf(timeoutSeconds));
        properties.setProperty("loginTimeout", String.valueOf(timeoutSeconds));
        try (Connection connection = DriverManager.getConnection(database.url(), properties);
             Statement statement = connection.createStatement()) {
            statement.setQueryTimeout(timeoutSeconds);
            // The table name is an identifier checked by the manifest loader, never event input.
            try (ResultSet rows = statement.executeQuery(
                    "SELECT version FROM " + table + " WHERE success = TRUE AND version IS NOT NULL")) {
                SchemaVersion highest = null;
                while (rows.next()) {
                    SchemaVersion version = SchemaVersion.parse(rows.getString(1));
                    if (highest == null || version.compareTo(highest) > 0) {
                        highest = version;
                    }
                }
                return highest;
            }
        }
    }

    static Declared declared(Migrations migrations, String release) {
        VersionRange exact = migrations.releases().get(release);
        if (exact != null) {
            return new Declared("migrations.releases." + release, exact.min(), exact.max());
        }
        String bestKey = null;
        for (Map.Entry<String, VersionRange> entry : migrations.releases().entrySet()) {
            String key = entry.getKey();
            if (key.endsWith("*") && release.startsWith(key.substring(0, key.length() - 1))
                    && (bestKey == null || key.length() > bestKey.length())) {
                bestKey = key;
            }
        }
        if (bestKey != null) {
            VersionRange range = migrations.releases().get(bestKey);
            return new Declared("migrations.releases." + bestKey, range.min(), range.max());
        }
        return new Declared("migrations.minVersion/maxVersion", migrations.minVersion(), migrations.maxVersion());
    }

    /** The range a release declares and the manifest key it came from, for the message. */
    record Declared(String key, String min, String max) {
        String describe() {
            if (min == null && max == null) {
                return "no schema range";
            }
            if (max == null) {
                return "schema >= " + min;
            }
            return min == null ? "schema <= " + max : "schema " + min + " .. " + max;
        }
    }
}
