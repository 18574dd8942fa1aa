package routes.db;

import com.zaxxer.hikari.HikariDataSource;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;

/**
 * The retryWhile of "Printery's database is unreachable": retry for as long as the app runs. Once it stops, the
 * exchange fails unhandled and its stream entry stays pending for the next start (never dead-lettered).
 */
public class DatabaseRetry {

    private final CamelContext context;

    public DatabaseRetry(CamelContext context) {
        this.context = context;
    }

    public boolean whileRunning(Exchange exchange) {
        if (!context.getStatus().isStarted() || context.isStopping()) {
            return false;
        }
        // Pooled connections from before the outage are dead, and a connection reused within Hikari's 500 ms alive
        // bypass window is not re-validated: drop them all so the next attempt connects afresh.
        HikariDataSource dataSource = context.getRegistry().lookupByNameAndType("printeryDataSource", HikariDataSource.class);
        if (dataSource != null && dataSource.getHikariPoolMXBean() != null) {
            dataSource.getHikariPoolMXBean().softEvictConnections();
        }
        return true;
    }
}
