package routes.support;

import java.io.File;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Redis for tests. {@link #shared()} is REDIS_URL if set, else a private redis-server process on a free port, else
 * a Testcontainers container when a Docker engine exists; otherwise it fails saying how to provide Redis.
 * {@link #startPrivate(String...)} always runs an own process that a test may kill and restart.
 */
public final class RedisServer implements AutoCloseable {

    private static RedisServer shared;

    private final String url;
    private final int port;
    private final Path dir;
    private final List<String> extraArgs;
    private Process process;
    private AutoCloseable container;

    private RedisServer(String url, int port, Path dir, List<String> extraArgs) {
        this.url = url;
        this.port = port;
        this.dir = dir;
        this.extraArgs = extraArgs;
    }

    /** One Redis for the whole test JVM. Tests keep out of each other's way with their own stream names. */
    public static synchronized RedisServer shared() {
        if (shared == null) {
            String env = System.getenv("REDIS_URL");
            if (env != null && !env.isBlank()) {
                shared = new RedisServer(env, -1, null, List.of());
            } else if (binary() != null) {
                shared = startPrivate();
            } else {
                shared = testcontainer();
            }
            RedisServer s = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(s::close));
        }
        return shared;
    }

    /** An own redis-server process on a free port, e.g. with "--appendonly", "yes", "--appendfsync", "always". */
    public static RedisServer startPrivate(String... extraArgs) {
        if (binary() == null) {
            throw new IllegalStateException("this test needs a redis-server binary it can kill and restart: install "
                    + "redis-server (apt-get install redis-server) or put it on PATH");
        }
        try {
            int port = Ports.free();
            Path dir = Files.createTempDirectory("printery-redis-" + port);
            RedisServer server = new RedisServer("redis://127.0.0.1:" + port, port, dir, List.of(extraArgs));
            server.start();
            return server;
        } catch (IOException e) {
            throw new IllegalStateException("could not start redis-server", e);
        }
    }

    public String url() {
        return url;
    }

    public int port() {
        return port;
    }

    /** Starts (again) the process on the same port and directory, so an AOF file is replayed. */
    public synchronized void start() {
        if (dir == null) {
            throw new IllegalStateException("Redis at " + url + " is not owned by this test run");
        }
        List<String> cmd = new ArrayList<>(List.of(binary(), "--port", String.valueOf(port), "--bind", "127.0.0.1",
                "--dir", dir.toString(), "--save", "", "--appendonly", "no", "--protected-mode", "no"));
        cmd.addAll(extraArgs);
        try {
            process = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("redis.log").toFile()).start();
        } catch (IOException e) {
            throw new IllegalStateException("could not start " + cmd, e);
        }
        waitUntil(true);
    }

    /** SIGKILL: no shutdown, no final save; what AOF with appendfsync always kept is all that survives. */
    public synchronized void kill() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
            waitUntil(false);
        }
    }

    public void restart() {
        kill();
        start();
    }

    @Override
    public synchronized void close() {
        kill();
        if (container != null) {
            try {
                container.close();
            } catch (Exception ignored) {
                // the JVM is going away
            }
        }
    }

    private void waitUntil(boolean up) {
        long deadline = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < deadline) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.getOutputStream().write("PING\r\n".getBytes());
                byte[] buf = new byte[7];
                int n = s.getInputStream().read(buf);
                if (up && n > 0 && new String(buf, 0, n).startsWith("+PONG")) {
                    return;
                }
            } catch (IOException e) {
                if (!up) {
                    return;
                }
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        throw new IllegalStateException("redis-server on port " + port + " did not " + (up ? "start" : "stop")
                + "; see " + dir.resolve("redis.log"));
    }

    static String binary() {
        for (String p : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            File f = new File(p, "redis-server");
            if (f.canExecute()) {
                return f.getAbsolutePath();
            }
        }
        File f = new File("/usr/bin/redis-server");
        return f.canExecute() ? f.getAbsolutePath() : null;
    }

    @SuppressWarnings({"resource", "rawtypes"})
    private static RedisServer testcontainer() {
        boolean docker;
        try {
            docker = org.testcontainers.DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable e) {
            docker = false;
        }
        if (!docker) {
            throw new IllegalStateException("No Redis for the tests: set REDIS_URL=redis://host:port, or install "
                    + "redis-server (apt-get install redis-server), or provide a Docker engine for Testcontainers");
        }
        var container = new org.testcontainers.containers.GenericContainer("redis:7-alpine").withExposedPorts(6379);
        container.start();
        RedisServer server = new RedisServer("redis://" + container.getHost() + ":" + container.getMappedPort(6379), -1,
                null, List.of());
        server.container = container;
        return server;
    }
}
