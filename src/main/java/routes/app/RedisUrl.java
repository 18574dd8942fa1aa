package routes.app;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import org.apache.camel.util.ObjectHelper;

/**
 * PRINTERY_REDIS_URL: read, checked before anything connects (a malformed URL is a configuration error with one line
 * naming the problem, not a stack trace from deep inside Lettuce), and pinged once so a missing Redis fails at once.
 */
public final class RedisUrl {

    public static final String ENV = "PRINTERY_REDIS_URL";
    public static final String DEFAULT = "redis://127.0.0.1:6379";

    private static final Set<String> SCHEMES = Set.of("redis", "rediss", "redis-socket", "redis-sentinel");

    private RedisUrl() {
    }

    /**
     * The URL from the environment, the default when unset. Set but empty is an error: Camel's properties take an
     * environment variable's value even when it is empty, so it cannot mean the default there.
     */
    public static String fromEnvironment(Map<String, String> env) {
        String url = env.get(ENV);
        if (url != null && url.isBlank()) {
            throw new InvalidRedisUrlException(ENV + " is set but empty: unset it for the default " + DEFAULT
                    + ", or set a URL like redis://host:6379");
        }
        return url == null ? DEFAULT : url.strip();
    }

    /** The parsed URL, or an {@link InvalidRedisUrlException} saying what is wrong with it (without its password). */
    public static RedisURI parse(String url) {
        int separator = url.indexOf("://");
        if (separator <= 0) {
            throw invalid(url, "expected redis://host:port[/database] (or rediss://, redis-sentinel://, redis-socket://)");
        }
        String scheme = url.substring(0, separator);
        if (!SCHEMES.contains(scheme)) {
            throw invalid(url, "scheme '" + scheme + "' is not one of redis, rediss, redis-sentinel, redis-socket");
        }
        if (!scheme.equals("redis-socket")) {
            checkAuthority(url);
        }
        try {
            return RedisURI.create(url);
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            throw invalid(url, e.getMessage());
        }
    }

    /** java.net.URI reads host and port more strictly than Lettuce, which puts a default port behind a bad one. */
    private static void checkAuthority(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw invalid(url, e.getReason() + " at index " + e.getIndex());
        }
        String authority = uri.getRawAuthority();
        if (authority == null || authority.isEmpty()) {
            throw invalid(url, "no host");
        }
        // Sentinel URLs list several host:port pairs, which java.net.URI does not parse as a server authority.
        for (String node : authority.substring(authority.lastIndexOf('@') + 1).split(",")) {
            int colon = node.lastIndexOf(':');
            if (node.isEmpty() || colon == 0 || node.startsWith("[") && !node.contains("]")) {
                throw invalid(url, "no host");
            }
            if (colon > 0 && !node.endsWith("]")) {
                String port = node.substring(colon + 1);
                if (!port.matches("\\d{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
                    throw invalid(url, "port '" + port + "' is not a number from 1 to 65535");
                }
            }
        }
    }

    /** The URL as logs and messages may show it: user info replaced, so no password is printed. */
    public static String redacted(String url) {
        int separator = url.indexOf("://");
        int at = url.lastIndexOf('@');
        return separator > 0 && at > separator ? url.substring(0, separator + 3) + "****@" + url.substring(at + 1) : url;
    }

    /** Fails with a message naming the URL (without its password) when Redis does not answer PING within 3 s. */
    public static void requireReachable(String url) {
        RedisURI uri = parse(url);
        uri.setTimeout(Duration.ofSeconds(3));
        RedisClient client = RedisClient.create(uri);
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            connection.sync().ping();
        } catch (RuntimeException e) {
            throw new RedisUnreachableException("cannot reach Redis at " + redacted(url) + " (set " + ENV + "): "
                    + rootMessage(e));
        } finally {
            // Generous timeout: a shutdown cut short leaves its thread pools to the finalizer, which warns.
            client.shutdown(Duration.ZERO, Duration.ofSeconds(10));
        }
    }

    private static String rootMessage(Throwable e) {
        // Camel's walk of the causes starts at the root cause.
        Throwable root = ObjectHelper.createExceptionIterator(e).next();
        return root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
    }

    private static InvalidRedisUrlException invalid(String url, String problem) {
        return new InvalidRedisUrlException("Redis URL '" + redacted(url) + "' (" + ENV + ") is malformed: " + problem);
    }

    /** A malformed URL: a configuration error (exit code 2). */
    public static final class InvalidRedisUrlException extends ConfigurationException {
        InvalidRedisUrlException(String message) {
            super(message);
        }
    }

    /** Redis is not there: a clear message and exit code 3, not a stack trace. */
    public static final class RedisUnreachableException extends RuntimeException {
        RedisUnreachableException(String message) {
            super(message);
        }
    }
}
