package routes.app;

import java.util.Map;

import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;

/** Printery's beans and properties without its routes or HTTP server, for one-shot commands. */
public final class CommandContext implements AutoCloseable {

    private final Main main = new PrinteryMain();

    public CommandContext() throws Exception {
        this(RedisUrl.fromEnvironment(System.getenv()), Map.of());
    }

    /** The context of a one-shot command, against PRINTERY_REDIS_URL; for commands that take it as a Supplier. */
    public static CommandContext open() {
        try {
            return new CommandContext();
        } catch (Exception e) {
            throw e instanceof RuntimeException r ? r : new IllegalStateException(e.getMessage(), e);
        }
    }

    /** Against the given Redis, with extra Camel Main properties. */
    public CommandContext(String redisUrl, Map<String, String> overrides) throws Exception {
        RedisUrl.requireReachable(redisUrl);
        main.addOverrideProperty("printery.redis.url", redisUrl);
        main.addOverrideProperty("camel.main.routesCollectorEnabled", "false");
        main.addOverrideProperty("camel.management.enabled", "false");
        main.addOverrideProperty("camel.main.jmxEnabled", "false");
        main.addOverrideProperty("camel.metrics.enabled", "false");
        overrides.forEach(main::addOverrideProperty);
        try {
            main.start();
        } catch (Exception e) {
            // Marks it finished, so the shutdown hook does not report a SIGTERM that never came.
            main.getShutdownStrategy().shutdown();
            throw e;
        }
    }

    public CamelContext camel() {
        return main.getCamelContext();
    }

    public <T> T bean(String name, Class<T> type) {
        return camel().getRegistry().lookupByNameAndType(name, type);
    }

    @Override
    public void close() {
        main.stop();
    }
}
