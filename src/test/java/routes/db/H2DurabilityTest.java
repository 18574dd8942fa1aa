package routes.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The default H2 database keeps what was committed when the process dies: the orchestrator persists a deploy's
 * handle before it waits on it, and a handle lost to a kill would be deployed again after the restart.
 */
class H2DurabilityTest {

    @Test
    void whatWasCommittedRightBeforeACrashIsThereAfterIt(@TempDir Path dir) throws Exception {
        assumeTrue(System.getenv("PRINTERY_DB_URL") == null, "PRINTERY_DB_URL replaces the default database");
        String url = defaultUrl(dir);
        try (Connection db = DriverManager.getConnection(url, "sa", ""); Statement sql = db.createStatement()) {
            sql.execute("CREATE TABLE handle (id INT PRIMARY KEY)");
            // H2's background writer runs every WRITE_DELAY ms (500 by default): past one, only the rows are pending.
            Thread.sleep(700);
            for (int i = 0; i < 5; i++) {
                sql.execute("INSERT INTO handle VALUES (" + i + ")");
            }
            // What a power cut or kill -9 does to the files: closed without writing what is still in memory.
            sql.execute("SHUTDOWN IMMEDIATELY");
        } catch (SQLException closedUnderUs) {
            // the connection ends with the database
        }
        try (Connection db = DriverManager.getConnection(url, "sa", ""); Statement sql = db.createStatement();
             ResultSet rows = sql.executeQuery("SELECT COUNT(*) FROM handle")) {
            rows.next();
            assertEquals(5, rows.getInt(1), "rows committed before the crash (url " + url + ")");
        }
    }

    /** printery.db.url as application.properties resolves it, with the data directory in {@code dir}. */
    private static String defaultUrl(Path dir) throws Exception {
        try (CamelContext camel = new DefaultCamelContext()) {
            camel.getPropertiesComponent().setLocation("classpath:application.properties");
            Properties overrides = new Properties();
            overrides.setProperty("printery.data-dir", dir.toString());
            camel.getPropertiesComponent().setOverrideProperties(overrides);
            return camel.resolvePropertyPlaceholders("{{printery.db.url}}");
        }
    }
}
