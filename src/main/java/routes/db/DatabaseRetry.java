package routes.db;

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
        return context.getStatus().isStarted() && !context.isStopping();
    }
}
