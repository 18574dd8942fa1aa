package routes.db;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the classpath scripts db/migration/V&lt;n&gt;__&lt;description&gt;.sql in version order, each once, and
 * records each in schema_version. Scripts are plain SQL that H2 and PostgreSQL both accept, statements ending with
 * ';' at the end of a line. Two processes starting at once are safe: the version row is the lock.
 */
public final class SchemaMigrator {

    private static final Logger LOG = LoggerFactory.getLogger(SchemaMigrator.class);
    private static final Pattern SCRIPT = Pattern.compile("V(\\d+)__(\\w+)\\.sql");
    private static final String LOCATION = "db/migration";

    private final DataSource dataSource;

    public SchemaMigrator(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** @return the schema version after migrating */
    public int migrate() {
        TreeMap<Integer, Script> scripts = scripts();
        try (Connection connection = dataSource.getConnection()) {
            try (Statement statement = connection.createStatement()) {
                statement.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
                        + "description VARCHAR(200) NOT NULL, installed_at TIMESTAMP NOT NULL)");
            }
            int current = currentVersion(connection);
            for (var script : scripts.tailMap(current, false).entrySet()) {
                apply(connection, script.getKey(), script.getValue());
                current = script.getKey();
            }
            return current;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot migrate Printery's database (printery.db.url / PRINTERY_DB_URL): "
                    + e.getMessage(), e);
        }
    }

    /** Script text by version. Listed from the jar's directory, not by a classpath scan that reads the whole jar. */
    private static TreeMap<Integer, Script> scripts() {
        URL url = SchemaMigrator.class.getClassLoader().getResource(LOCATION);
        if (url == null) {
            throw new IllegalStateException("no " + LOCATION + " on the classpath");
        }
        try {
            URI uri = url.toURI();
            if (!"jar".equals(uri.getScheme())) {
                return scripts(Path.of(uri));
            }
            // jar:file:/.../printery.jar!/db/migration, opened as a file system of its own (not the shared one of the URI)
            String spec = uri.getRawSchemeSpecificPart();
            int separator = spec.indexOf("!/");
            try (FileSystem jar = FileSystems.newFileSystem(Path.of(URI.create(spec.substring(0, separator))))) {
                return scripts(jar.getPath(spec.substring(separator + 1)));
            }
        } catch (IOException | URISyntaxException e) {
            throw new IllegalStateException("cannot list " + url + ": " + e.getMessage(), e);
        }
    }

    private static TreeMap<Integer, Script> scripts(Path directory) throws IOException {
        TreeMap<Integer, Script> scripts = new TreeMap<>();
        try (var files = Files.list(directory)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String name = file.getFileName().toString();
                Matcher m = SCRIPT.matcher(name);
                if (!m.matches()) {
                    throw new IllegalStateException("migration script " + name + " is not named V<n>__<description>.sql");
                }
                Script clash = scripts.put(Integer.parseInt(m.group(1)), new Script(name, Files.readString(file)));
                if (clash != null) {
                    throw new IllegalStateException("two migration scripts for version " + m.group(1) + ": " + name
                            + " and " + clash.name());
                }
            }
        }
        return scripts;
    }

    private static int currentVersion(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT MAX(version) FROM schema_version")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static void apply(Connection connection, int version, Script script) throws SQLException {
        String name = script.name();
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try {
            // The version row first: a second process migrating at the same time fails here, before any DDL.
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO schema_version (version, description, installed_at) VALUES (?, ?, ?)")) {
                insert.setInt(1, version);
                insert.setString(2, name);
                insert.setTimestamp(3, new Timestamp(System.currentTimeMillis()));
                insert.executeUpdate();
            }
            try (Statement statement = connection.createStatement()) {
                for (String sql : statements(script)) {
                    statement.execute(sql);
                }
            }
            connection.commit();
            LOG.info("Migrated Printery's database to version {} ({})", version, name);
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw new SQLException("migration " + name + " failed: " + e.getMessage(),
                    e instanceof SQLException sql ? sql.getSQLState() : null, e);
        } finally {
            connection.setAutoCommit(autoCommit);
        }
    }

    private static List<String> statements(Script script) {
        String text = script.text();
        List<String> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : text.split("\n")) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("--")) {
                continue;
            }
            current.append(line).append('\n');
            if (trimmed.endsWith(";")) {
                String sql = current.toString().strip();
                statements.add(sql.substring(0, sql.length() - 1));
                current.setLength(0);
            }
        }
        if (!current.isEmpty()) {
            statements.add(current.toString().strip());
        }
        return statements;
    }

    private record Script(String name, String text) {
    }
}
