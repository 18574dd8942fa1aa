package routes.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Property overrides that give one Camel Main under test its own world: streams under a prefix on the test Redis,
 * its own H2 database and outbox in a temp directory, its management server on a free loopback port, no JMX.
 */
public final class Isolation {

    /** The packaged route files, as application.properties lists them. */
    public static final String ROUTES = "classpath:routes.yaml,classpath:routes/templates.yaml,classpath:routes/errors.yaml";

    private Isolation() {
    }

    public static Map<String, String> properties(String streamPrefix) {
        Map<String, String> p = new LinkedHashMap<>();
        try {
            Path dir = Files.createTempDirectory("printery-test-");
            p.put("camel.main.routesIncludePattern", ROUTES);
            p.put("camel.main.jmxEnabled", "false");
            p.put("camel.metrics.enabled", "false");
            p.put("camel.management.jolokiaEnabled", "false");
            p.put("camel.management.host", "127.0.0.1");
            p.put("camel.management.port", String.valueOf(freePort()));
            p.put("camel.main.shutdownTimeout", "5");
            p.put("printery.redis.url", RedisServer.shared().url());
            for (String s : new String[] {"deployment", "validation", "dependency", "health", "dlq"}) {
                p.put("printery.streams." + s, streamPrefix + ":" + s);
            }
            p.put("printery.data-dir", dir.toString());
            p.put("printery.db.url", "jdbc:h2:file:" + dir.resolve("printery") + ";AUTO_SERVER=TRUE");
            p.put("printery.notify.outbox", dir.resolve("outbox.log").toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    /** A loopback port nobody listens on right now. */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
