package routes.db;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;

import javax.sql.DataSource;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Readiness of Printery's own database: the DLQ store, the record and the orchestrator's state live there, and the
 * routes that write to it hold their entries while it is away. Not a liveness check: a restart does not bring a
 * database back.
 */
public class DatabaseHealthCheck extends AbstractHealthCheck {

    private final DataSource dataSource;

    public DatabaseHealthCheck(DataSource dataSource) {
        super("printery", "database");
        this.dataSource = dataSource;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        try (Connection connection = dataSource.getConnection()) {
            if (connection.isValid(2)) {
                builder.up();
            } else {
                builder.down().message("Printery's database does not answer");
            }
        } catch (SQLException e) {
            builder.down().message("Printery's database is unreachable: " + e.getMessage()).error(e);
        }
    }
}
