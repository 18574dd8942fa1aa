package routes.db;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;

import javax.sql.DataSource;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.flywaydb.core.api.output.MigrateOutput;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Printery's schema, migrated by Flyway: the scripts classpath:db/migration/V&lt;n&gt;__&lt;description&gt;.sql, each
 * applied once in version order and recorded in flyway_schema_history, under Flyway's lock.
 * <p>
 * A database made by the migrator of earlier releases (table schema_version, no flyway_schema_history) is baselined
 * at the highest version schema_version records, so only newer scripts run on it. schema_version is kept: an earlier
 * release started on the database again still finds its record and applies nothing.
 */
public final class SchemaMigration {

    private static final Logger LOG = LoggerFactory.getLogger(SchemaMigration.class);
    static final String LOCATION = "classpath:db/migration";
    private static final String HISTORY = "flyway_schema_history";
    private static final String OLD_HISTORY = "schema_version";

    private final DataSource dataSource;
    private final String[] locations;

    public SchemaMigration(DataSource dataSource) {
        this(dataSource, LOCATION);
    }

    /** With other script locations: the tests add scripts of their own. */
    SchemaMigration(DataSource dataSource, String... locations) {
        this.dataSource = dataSource;
        this.locations = locations;
    }

    public MigrateResult migrate() {
        try {
            // An explicit location: Flyway lists only it (in the shaded jar, from the jar's entries).
            FluentConfiguration flyway = Flyway.configure(SchemaMigration.class.getClassLoader())
                    .dataSource(dataSource)
                    .locations(locations)
                    .failOnMissingLocations(true)
                    .validateMigrationNaming(true);
            String oldVersion = oldVersion();
            if (oldVersion != null) {
                LOG.info("Printery's database is at version {} of an earlier release's {}: Flyway takes it over there",
                        oldVersion, OLD_HISTORY);
                flyway.baselineOnMigrate(true).baselineVersion(oldVersion).baselineDescription("taken over from " + OLD_HISTORY);
            }
            MigrateResult result = flyway.load().migrate();
            for (MigrateOutput applied : result.migrations) {
                LOG.info("Migrated Printery's database to version {} ({})", applied.version, applied.description);
            }
            return result;
        } catch (SQLException | FlywayException e) {
            throw new IllegalStateException("cannot migrate Printery's database (printery.db.url / PRINTERY_DB_URL): "
                    + e.getMessage(), e);
        }
    }

    /**
     * The version the old migrator's schema_version records when Flyway has no history yet, else null. An empty
     * schema_version (its first script failed) gives 0, so every script runs.
     */
    private String oldVersion() throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            boolean old = false;
            try (ResultSet tables = connection.getMetaData().getTables(connection.getCatalog(), connection.getSchema(),
                    "%", new String[] {"TABLE"})) {
                while (tables.next()) {
                    String name = tables.getString("TABLE_NAME").toLowerCase(Locale.ROOT);
                    if (name.equals(HISTORY)) {
                        return null;
                    }
                    old |= name.equals(OLD_HISTORY);
                }
            }
            if (!old) {
                return null;
            }
            try (Statement statement = connection.createStatement();
                 ResultSet max = statement.executeQuery("SELECT COALESCE(MAX(version), 0) FROM " + OLD_HISTORY)) {
                max.next();
                return Integer.toString(max.getInt(1));
            }
        }
    }
}
