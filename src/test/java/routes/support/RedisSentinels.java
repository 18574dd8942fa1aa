package routes.support;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.sentinel.api.StatefulRedisSentinelConnection;
import org.awaitility.Awaitility;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A master, one replica and three sentinels watching them as {@value #MASTER} (quorum 2, down after 1 s, failover
 * timeout 3 s), each a private redis-server on a free port; started once every sentinel knows the replica and the
 * other two sentinels, so that a failover can begin as soon as the master is down.
 */
public final class RedisSentinels implements AutoCloseable {

    public static final String MASTER = "printery";

    private final List<RedisServer> servers = new ArrayList<>();
    private final List<Sentinel> sentinels = new ArrayList<>();
    private final RedisClient client = RedisClient.create();

    private RedisSentinels() {
    }

    public static RedisSentinels start() {
        RedisSentinels set = new RedisSentinels();
        try {
            RedisServer master = RedisServer.startPrivate();
            set.servers.add(master);
            set.servers.add(RedisServer.startPrivate("--replicaof", "127.0.0.1", String.valueOf(master.port())));
            for (int i = 0; i < 3; i++) {
                set.sentinels.add(Sentinel.start(master.port()));
            }
            set.awaitWatching();
            return set;
        } catch (RuntimeException e) {
            set.close();
            throw e;
        }
    }

    /** redis-sentinel://127.0.0.1:s1,127.0.0.1:s2,127.0.0.1:s3#printery */
    public String url() {
        return "redis-sentinel://" + sentinels.stream().map(s -> "127.0.0.1:" + s.port).collect(Collectors.joining(","))
                + "#" + MASTER;
    }

    /** The server the sentinels name as master now. */
    public RedisServer master() {
        int port = masterPort();
        return servers.stream().filter(s -> s.port() == port).findFirst()
                .orElseThrow(() -> new IllegalStateException("the sentinels name an unknown master on port " + port));
    }

    /** The server that is not the master. */
    public RedisServer replica() {
        RedisServer master = master();
        return servers.stream().filter(s -> s != master).findFirst().orElseThrow();
    }

    public int masterPort() {
        for (Sentinel sentinel : sentinels) {
            try (StatefulRedisSentinelConnection<String, String> connection = client.connectSentinel(sentinel.uri())) {
                return ((InetSocketAddress) connection.sync().getMasterAddrByName(MASTER)).getPort();
            } catch (RuntimeException e) {
                // ask the next one
            }
        }
        throw new IllegalStateException("no sentinel answers");
    }

    /** Waits until the sentinels name another master than the one on {@code oldPort}; fails after {@code within}. */
    public void awaitFailover(int oldPort, Duration within) {
        Awaitility.await("a failover from port " + oldPort).atMost(within).pollInterval(Duration.ofMillis(50))
                .until(() -> masterPort() != oldPort);
    }

    /** Waits until the replica is connected to the master and has all it sent (equal replication offsets). */
    public void awaitReplicaInSync(Duration within) {
        Awaitility.await("the replica in sync").atMost(within).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
            String master = info(master(), "replication");
            String replica = info(replica(), "replication");
            assertTrue(replica.contains("master_link_status:up") && field(master, "master_repl_offset") > 0
                    && field(master, "master_repl_offset") == field(replica, "slave_repl_offset"), replica);
        });
    }

    /** INFO of one section on a server. */
    public String info(RedisServer server, String section) {
        try (var connection = client.connect(RedisURI.create(server.url()))) {
            return connection.sync().info(section);
        }
    }

    private static long field(String info, String name) {
        return info.lines().filter(l -> l.startsWith(name + ":")).mapToLong(l -> Long.parseLong(l.substring(name.length() + 1).strip()))
                .findFirst().orElse(-1);
    }

    private void awaitWatching() {
        Awaitility.await("the sentinels find the replica and each other").atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertTrue(watching(), () -> "see " + sentinels.get(0).dir.resolve("sentinel.log")));
    }

    private boolean watching() {
        for (Sentinel sentinel : sentinels) {
            try (StatefulRedisSentinelConnection<String, String> connection = client.connectSentinel(sentinel.uri())) {
                var master = connection.sync().master(MASTER);
                if (!"1".equals(master.get("num-slaves")) || !"2".equals(master.get("num-other-sentinels"))) {
                    return false;
                }
            } catch (RuntimeException e) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        sentinels.forEach(Sentinel::stop);
        servers.forEach(RedisServer::close);
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    /** redis-server --sentinel with a generated configuration (sentinel rewrites it, so each has a file of its own). */
    private static final class Sentinel {

        private final int port;
        private final Path dir;
        private final Process process;

        private Sentinel(int port, Path dir, Process process) {
            this.port = port;
            this.dir = dir;
            this.process = process;
        }

        static Sentinel start(int masterPort) {
            int port = Ports.free();
            try {
                Path dir = Files.createTempDirectory("printery-sentinel-" + port);
                Path config = dir.resolve("sentinel.conf");
                Files.writeString(config, String.join("\n",
                        "port " + port,
                        "bind 127.0.0.1",
                        "protected-mode no",
                        "dir " + dir,
                        "sentinel monitor " + MASTER + " 127.0.0.1 " + masterPort + " 2",
                        "sentinel down-after-milliseconds " + MASTER + " 1000",
                        "sentinel failover-timeout " + MASTER + " 3000",
                        "sentinel parallel-syncs " + MASTER + " 1",
                        ""));
                Process process = new ProcessBuilder(RedisServer.binary(), config.toString(), "--sentinel")
                        .redirectErrorStream(true).redirectOutput(dir.resolve("sentinel.log").toFile()).start();
                Sentinel sentinel = new Sentinel(port, dir, process);
                sentinel.awaitUp();
                return sentinel;
            } catch (IOException e) {
                throw new IllegalStateException("could not start a sentinel", e);
            }
        }

        RedisURI uri() {
            return RedisURI.create("redis://127.0.0.1:" + port);
        }

        private void awaitUp() {
            Awaitility.await("the sentinel on port " + port + " up; see " + dir.resolve("sentinel.log"))
                    .atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> {
                        assertTrue(process.isAlive(), () -> "the sentinel exited; see " + dir.resolve("sentinel.log"));
                        try (var socket = new java.net.Socket("127.0.0.1", port)) {
                            return true;
                        } catch (IOException e) {
                            return false;
                        }
                    });
        }

        void stop() {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
