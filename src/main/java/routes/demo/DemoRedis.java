package routes.demo;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

import redis.embedded.RedisServer;
import redis.embedded.core.ExecutableProvider;

/**
 * The demo's private Redis on a free port of 127.0.0.1, keeping nothing on disk: the redis-server on PATH, or where
 * none is installed the binary embedded-redis ships for this platform. Stopped on close, or by its shutdown hook
 * when the demo is interrupted.
 */
public final class DemoRedis implements AutoCloseable {

    private final RedisServer server;
    private final int port;
    private final String executable;

    private DemoRedis(RedisServer server, int port, String executable) {
        this.server = server;
        this.port = port;
        this.executable = executable;
    }

    public static DemoRedis start() throws IOException {
        ExecutableProvider provider;
        String executable;
        try {
            provider = ExecutableProvider.newExecutableInPath("redis-server");
            executable = "redis-server from PATH";
        } catch (FileNotFoundException e) {
            provider = ExecutableProvider.newJarResourceProvider();
            executable = "redis-server packaged with Printery (embedded-redis)";
        }
        int port = freePort();
        RedisServer server = RedisServer.newRedisServer().executableProvider(provider).bind("127.0.0.1").port(port)
                .setting("save \"\"").setting("appendonly no").onShutdownForceStop(true).build();
        server.start();
        return new DemoRedis(server, port, executable);
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** Which redis-server runs, for the demo's opening lines. */
    public String executable() {
        return executable;
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
