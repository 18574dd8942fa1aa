package routes.workers;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import java.util.function.Supplier;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import routes.workers.probe.ConnectionRefused;
import routes.workers.probe.ProbeHttpClient;

/**
 * One attempt to reach a dependency the way its clients do: a JDBC connection and SELECT 1, a Redis PING, an HTTP
 * GET that must answer 2xx. Each attempt is bounded by the check timeout at the driver level too, so a thread given
 * up on by the checker still ends soon.
 */
class DependencyProbe implements AutoCloseable {

    /** What one attempt found; {@code error} is null when the dependency answered as expected. */
    record Outcome(long responseMs, String error) {
    }

    private final Duration timeout;
    private final Supplier<HttpClient> http;
    private RedisClient redis;

    DependencyProbe(Duration timeout) {
        this.timeout = timeout;
        this.http = ProbeHttpClient.onFirstUse(timeout);
    }

    /** Created on first use: a Lettuce client holds threads until shut down, for a check that may never run. */
    private synchronized RedisClient redisClient() {
        if (redis == null) {
            redis = RedisClient.create();
            // A probe connection must not reconnect or queue behind a dead link: it answers now or fails.
            redis.setOptions(ClientOptions.builder().autoReconnect(false)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .socketOptions(SocketOptions.builder().connectTimeout(timeout).build()).build());
        }
        return redis;
    }

    Outcome postgres(String url, String username, String password) {
        long start = System.nanoTime();
        String seconds = String.valueOf(Math.max(1, (timeout.toMillis() + 999) / 1000));
        Properties props = new Properties();
        if (username != null) {
            props.setProperty("user", username);
        }
        if (password != null && !password.isEmpty()) {
            props.setProperty("password", password);
        }
        props.setProperty("connectTimeout", seconds);
        props.setProperty("loginTimeout", seconds);
        props.setProperty("socketTimeout", seconds);
        try (Connection connection = DriverManager.getConnection(url, props);
             Statement statement = connection.createStatement()) {
            statement.setQueryTimeout(Integer.parseInt(seconds));
            try (ResultSet rs = statement.executeQuery("SELECT 1")) {
                if (!rs.next() || rs.getInt(1) != 1) {
                    return new Outcome(elapsed(start), "SELECT 1 returned no row 1");
                }
            }
            return new Outcome(elapsed(start), null);
        } catch (Exception e) {
            return new Outcome(elapsed(start), describe(e, url));
        }
    }

    Outcome redis(String url) {
        long start = System.nanoTime();
        try {
            RedisURI uri = RedisURI.create(url);
            uri.setTimeout(timeout);
            try (StatefulRedisConnection<String, String> connection = redisClient().connect(uri)) {
                String reply = connection.sync().ping();
                return new Outcome(elapsed(start), "PONG".equals(reply) ? null : "PING answered '" + reply + "'");
            }
        } catch (Exception e) {
            return new Outcome(elapsed(start), describe(e, url));
        }
    }

    Outcome http(String url) {
        long start = System.nanoTime();
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(timeout).GET().build();
            int status = http.get().send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
            return new Outcome(elapsed(start), status / 100 == 2 ? null : "HTTP " + status);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(elapsed(start), "interrupted");
        } catch (Exception e) {
            return new Outcome(elapsed(start), describe(e, url));
        }
    }

    /** A failure to reach {@code url}: a refusal in {@link ConnectionRefused}'s wording, anything else as below. */
    static String describe(Throwable e, String url) {
        return ConnectionRefused.message(e, url).orElseGet(() -> describe(e));
    }

    /** Exception class and message, first line only: driver messages can be long, and never carry the password. */
    static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root && root.getMessage() == null) {
            root = root.getCause();
        }
        String message = root.getMessage();
        String text = root.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + message);
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline).trim();
    }

    private static long elapsed(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    @Override
    public synchronized void close() {
        if (redis != null) {
            redis.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            redis = null;
        }
    }
}
