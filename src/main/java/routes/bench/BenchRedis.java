package routes.bench;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import routes.app.ConfigurationException;
import routes.app.RedisUrl;

/**
 * The Redis the bench runs against: PRINTERY_REDIS_URL when set, else a private redis-server on a free port that
 * lives only as long as the bench, so a benchmark never fills a real Redis with its entries.
 */
final class BenchRedis implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BenchRedis.class);

    private final String url;
    private final Process process;
    private final Path dir;

    private BenchRedis(String url, Process process, Path dir) {
        this.url = url;
        this.process = process;
        this.dir = dir;
    }

    static BenchRedis start() throws IOException {
        String env = System.getenv("PRINTERY_REDIS_URL");
        if (env != null && !env.isBlank()) {
            if (RedisUrl.isCluster(env.strip())) {
                // Its raw-Lettuce baseline reads one server: on a cluster it would compare with another setup.
                throw new ConfigurationException("bench measures against one Redis server, and PRINTERY_REDIS_URL is "
                        + "a cluster (" + RedisUrl.redacted(env) + "): unset it for a private redis-server, or point "
                        + "it at one server");
            }
            RedisUrl.requireReachable(env);
            LOG.warn("Benchmarking against PRINTERY_REDIS_URL; the bench streams are deleted at the end");
            return new BenchRedis(env, null, null);
        }
        String binary = redisServerBinary();
        if (binary == null) {
            throw new ConfigurationException("bench needs redis-server on PATH (apt-get install redis-server) "
                    + "or PRINTERY_REDIS_URL pointing at a Redis it may fill with bench streams");
        }
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Path dir = Files.createTempDirectory("printery-bench-redis");
        Process process = new ProcessBuilder(binary, "--port", String.valueOf(port), "--bind", "127.0.0.1",
                "--dir", dir.toString(), "--save", "", "--appendonly", "no", "--protected-mode", "no")
                .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        BenchRedis redis = new BenchRedis("redis://127.0.0.1:" + port, process, dir);
        // An interrupted bench (Ctrl-C, SIGTERM) must not leave its redis-server behind.
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroy, "bench-redis-stop"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                RedisUrl.requireReachable(redis.url);
                break;
            } catch (RuntimeException e) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    redis.close();
                    throw new IllegalStateException("private redis-server did not start on port " + port + ": " + e.getMessage());
                }
                sleep(50);
            }
        }
        LOG.info("Started a private redis-server on port {}", port);
        return redis;
    }

    String url() {
        return url;
    }

    @Override
    public void close() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        } catch (IOException e) {
            LOG.debug("Could not remove {}: {}", dir, e.getMessage());
        }
    }

    private static String redisServerBinary() {
        for (String p : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            File f = new File(p, "redis-server");
            if (f.canExecute()) {
                return f.getAbsolutePath();
            }
        }
        return null;
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The fields of group {@code name} in an XINFO GROUPS reply (of either codec, text values as strings); null if absent. */
    static Map<String, Object> group(List<Object> xinfoGroups, String name) {
        for (Object entry : xinfoGroups) {
            List<?> pairs = (List<?>) entry;
            Map<String, Object> fields = new LinkedHashMap<>();
            for (int i = 0; i + 1 < pairs.size(); i += 2) {
                Object value = pairs.get(i + 1);
                fields.put(text(pairs.get(i)), value instanceof byte[] ? text(value) : value);
            }
            if (name.equals(fields.get("name"))) {
                return fields;
            }
        }
        return null;
    }

    private static String text(Object value) {
        return value instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(value);
    }
}
