package routes.app;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import org.apache.camel.util.ObjectHelper;

/**
 * PRINTERY_REDIS_URL: read, checked before anything connects (a malformed URL is a configuration error with one line
 * naming the problem, not a stack trace from deep inside Lettuce), and pinged once so a missing Redis fails at once.
 */
public final class RedisUrl {

    public static final String ENV = "PRINTERY_REDIS_URL";
    public static final String DEFAULT = "redis://127.0.0.1:6379";

    private static final Set<String> SCHEMES = Set.of("redis", "rediss", "redis-socket", "redis-sentinel",
            "redis-cluster", "rediss-cluster");
    private static final Set<String> CLUSTER_SCHEMES = Set.of("redis-cluster", "rediss-cluster");

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

    /**
     * The parsed URL, or an {@link InvalidRedisUrlException} saying what is wrong with it (without its password): the
     * one server (a redis-sentinel URL's lists its sentinels and the master's name), or a cluster's seed nodes.
     */
    public static List<RedisURI> parse(String url) {
        int separator = url.indexOf("://");
        if (separator <= 0) {
            throw invalid(url, "expected redis://host:port[/database] (or rediss://, redis-sentinel://, "
                    + "redis-cluster://, rediss-cluster://, redis-socket://)");
        }
        String scheme = url.substring(0, separator);
        if (!SCHEMES.contains(scheme)) {
            throw invalid(url, "scheme '" + scheme + "' is not one of redis, rediss, redis-sentinel, redis-cluster, "
                    + "rediss-cluster, redis-socket");
        }
        if (!scheme.equals("redis-socket")) {
            checkAuthority(url);
        }
        if (CLUSTER_SCHEMES.contains(scheme)) {
            return clusterNodes(url, scheme.equals("rediss-cluster"));
        }
        try {
            return List.of(RedisURI.create(url));
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            throw invalid(url, e.getMessage());
        }
    }

    /** True for the URL of a Redis Cluster (redis-cluster:// or rediss-cluster://). */
    public static boolean isCluster(String url) {
        int separator = url.indexOf("://");
        return separator > 0 && CLUSTER_SCHEMES.contains(url.substring(0, separator));
    }

    /**
     * Lettuce has no URL for a cluster: each seed node becomes a redis(s):// URI with the URL's credentials. A cluster
     * has database 0 only, and its nodes are found from the seeds, so the URL takes nothing after the nodes.
     */
    private static List<RedisURI> clusterNodes(String url, boolean tls) {
        String rest = url.substring(url.indexOf("://") + 3);
        int end = indexOfAny(rest, "/?#");
        if (end >= 0 && !rest.substring(end).equals("/")) {
            throw invalid(url, "a cluster URL takes no /database, ?options or #master after its nodes "
                    + "(a cluster has database 0 only)");
        }
        String authority = end >= 0 ? rest.substring(0, end) : rest;
        int at = authority.lastIndexOf('@');
        String user = null;
        String password = null;
        if (at >= 0) {
            String info = authority.substring(0, at);
            int colon = info.indexOf(':');
            user = colon > 0 ? decode(info.substring(0, colon)) : null;
            password = decode(colon >= 0 ? info.substring(colon + 1) : info);
        }
        List<RedisURI> nodes = new ArrayList<>();
        for (String node : authority.substring(at + 1).split(",")) {
            int colon = node.lastIndexOf(':');
            boolean hasPort = colon > 0 && !node.endsWith("]");
            String host = hasPort ? node.substring(0, colon) : node;
            if (host.startsWith("[")) {
                host = host.substring(1, host.length() - 1);
            }
            RedisURI.Builder uri = RedisURI.Builder.redis(host, hasPort ? Integer.parseInt(node.substring(colon + 1))
                    : RedisURI.DEFAULT_REDIS_PORT).withSsl(tls);
            if (password != null && user != null) {
                uri.withAuthentication(user, password);
            } else if (password != null) {
                uri.withPassword(password.toCharArray());
            }
            nodes.add(uri.build());
        }
        return nodes;
    }

    private static int indexOfAny(String s, String chars) {
        for (int i = 0; i < s.length(); i++) {
            if (chars.indexOf(s.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
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
        // Sentinel and cluster URLs list several host:port pairs, which java.net.URI does not parse as a server authority.
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
        List<RedisURI> uris = parse(url);
        uris.forEach(uri -> uri.setTimeout(Duration.ofSeconds(3)));
        AbstractRedisClient client = isCluster(url) ? RedisClusterClient.create(uris) : RedisClient.create(uris.get(0));
        try {
            if (client instanceof RedisClusterClient cluster) {
                try (var connection = cluster.connect()) {
                    connection.sync().ping();
                }
            } else {
                try (var connection = ((RedisClient) client).connect()) {
                    connection.sync().ping();
                }
            }
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
        // A cluster's says which seed nodes it tried, then lists each one's failure on lines of their own.
        return root.getMessage() != null ? root.getMessage().lines().findFirst().orElse("").strip()
                : root.getClass().getSimpleName();
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
