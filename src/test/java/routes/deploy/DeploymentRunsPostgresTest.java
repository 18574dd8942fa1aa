package routes.deploy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * The orchestrator's store on PostgreSQL (PRINTERY_DB_URL = jdbc:postgresql://...): a database of its own on the local
 * server, created for this run and dropped afterwards. Fails, never skips, when that server is not there.
 */
class DeploymentRunsPostgresTest extends DeploymentRunsContract {

    private static final String SERVER = "jdbc:postgresql://127.0.0.1:5432/";
    private static final String USER = "postgres";

    private final String database = "printery_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);

    @Override
    protected String createDatabase() {
        try (Connection admin = admin(); Statement s = admin.createStatement()) {
            s.execute("CREATE DATABASE " + database);
            // A server zone far from the JVM's: timestamps must hold instants, not wall-clock times of either side.
            s.execute("ALTER DATABASE " + database + " SET timezone TO 'Pacific/Chatham'");
        } catch (SQLException e) {
            throw new AssertionError("DeploymentRunsPostgresTest needs PostgreSQL on 127.0.0.1:5432 where user '" + USER
                    + "' may connect without a password (trust auth) and create databases; start one, e.g. "
                    + "`docker run -d -p 127.0.0.1:5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres:15` or a local "
                    + "server with 'host all postgres 127.0.0.1/32 trust' in pg_hba.conf (" + e.getMessage() + ")", e);
        }
        return SERVER + database;
    }

    @Override
    protected void dropDatabase() throws SQLException {
        try (Connection admin = admin(); Statement s = admin.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
        }
    }

    @Override
    protected String user() {
        return USER;
    }

    private static Connection admin() throws SQLException {
        return DriverManager.getConnection(SERVER + "postgres?connectTimeout=5", USER, "");
    }
}
