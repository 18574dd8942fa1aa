package routes.support;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * Databases of a test's own on the local PostgreSQL (127.0.0.1:5432, user postgres without a password, allowed to
 * create databases: .ci/run checks that), created for a run and dropped afterwards. Fails, never skips, when that
 * server is not there.
 */
public final class PostgresDatabases {

    public static final String SERVER = "jdbc:postgresql://127.0.0.1:5432/";
    public static final String USER = "postgres";

    private PostgresDatabases() {
    }

    /** A new, empty database; its server time zone far from the JVM's, so timestamps must hold instants. */
    public static String create() {
        String database = "printery_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection admin = admin(); Statement s = admin.createStatement()) {
            s.execute("CREATE DATABASE " + database);
            s.execute("ALTER DATABASE " + database + " SET timezone TO 'Pacific/Chatham'");
        } catch (SQLException e) {
            throw new AssertionError("the PostgreSQL tests need PostgreSQL on 127.0.0.1:5432 where user '" + USER
                    + "' may connect without a password (trust auth) and create databases; start one, e.g. "
                    + "`docker run -d -p 127.0.0.1:5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres:15` or a local "
                    + "server with 'host all postgres 127.0.0.1/32 trust' in pg_hba.conf (" + e.getMessage() + ")", e);
        }
        return SERVER + database;
    }

    /** Drops a database {@link #create()} made, given its URL. */
    public static void drop(String url) throws SQLException {
        try (Connection admin = admin(); Statement s = admin.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + url.substring(SERVER.length()) + " WITH (FORCE)");
        }
    }

    /**
     * Takes a database {@link #create()} made away from its clients, as an outage does (new connections refused,
     * open ones ended), or gives it back.
     */
    public static void outage(String url, boolean away) throws SQLException {
        String database = url.substring(SERVER.length());
        try (Connection admin = admin(); Statement s = admin.createStatement()) {
            s.execute("ALTER DATABASE " + database + " ALLOW_CONNECTIONS " + !away);
            if (away) {
                s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + database + "'");
            }
        }
    }

    private static Connection admin() throws SQLException {
        return DriverManager.getConnection(SERVER + "postgres?connectTimeout=5", USER, "");
    }
}
