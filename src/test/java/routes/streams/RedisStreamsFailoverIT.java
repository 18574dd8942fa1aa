package routes.streams;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.KillArgs;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import routes.events.EntryLayout;
import routes.support.RedisServer;
import routes.support.RedisSentinels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a Sentinel failover costs a consumer (three sentinels, quorum 2, down after 1 s; the component with Printery's
 * defaults): entries are added every 5 ms and consumed while the master is killed with SIGKILL. Measured: the time
 * from the kill to the first consumed entry added after it, and what asynchronous replication loses: entries whose
 * XADD had returned an id but that the promoted replica never got, and acks it never got (those entries are
 * delivered again). Once with the replica in sync, once with its link cut for the last 500 ms before the kill (CLIENT
 * KILL TYPE replica, with PSYNC refused by the master's ACL so it cannot reconnect). Figures in target/reliability/redis-failover-*.txt.
 */
class RedisStreamsFailoverIT extends StreamsTestSupport {

    private static final long CUT_MILLIS = 500;
    private static final long RESUME_WITHIN_MILLIS = 15_000;

    private RedisSentinels sentinels = RedisSentinels.start();
    /** Entry id to the time its XADD returned it. */
    private final Map<String, Long> added = new ConcurrentHashMap<>();
    /** Entry id to the times the route was handed it. */
    private final Map<String, List<Long>> consumed = new ConcurrentHashMap<>();

    @Override
    protected String redisUrl() {
        return sentinels.url();
    }

    @AfterEach
    void stopSentinels() {
        sentinels.close();
    }

    @Test
    void failoverWithTheReplicaInSync() throws Exception {
        Map<String, Object> figures = failover(false);
        assertEquals(0L, figures.get("added entries lost"), figures.toString());
        assertEquals(0L, figures.get("acks lost (entries delivered again)"), figures.toString());
    }

    @Test
    void failoverWithTheReplicationLinkCutBeforeTheKill() throws Exception {
        Map<String, Object> figures = failover(true);
        assertTrue((Long) figures.get("replication bytes behind at the kill") > 0, "the link was cut: " + figures);
    }

    private Map<String, Object> failover(boolean cut) throws Exception {
        routes(r -> r.from(uri("consumerName=failover")).process(e -> consumed
                .computeIfAbsent(entryId(e), id -> new java.util.concurrent.CopyOnWriteArrayList<>())
                .add(System.currentTimeMillis())));
        AtomicBoolean adding = new AtomicBoolean(true);
        Thread producer = new Thread(() -> produce(adding), "failover-producer");
        producer.start();
        try {
            await("entries flowing", () -> consumed.size() >= 100);
            sentinels.awaitReplicaInSync(Duration.ofSeconds(10));
            RedisServer master = sentinels.master();
            long behind = cut ? cutReplicationAndKill(master) : 0;
            if (!cut) {
                master.kill();
            }
            long killedAt = System.currentTimeMillis();
            sentinels.awaitFailover(master.port(), Duration.ofSeconds(30));
            long promotedAt = System.currentTimeMillis();
            await("an entry added after the kill consumed", () -> firstConsumedAddedAfter(killedAt) > 0);
            long resumedAt = firstConsumedAddedAfter(killedAt);
            sleep(500);
            adding.set(false);
            producer.join(10_000);

            RedisClient client = RedisClient.create(sentinels.url());
            try (StatefulRedisConnection<byte[], byte[]> promoted = client.connect(ByteArrayCodec.INSTANCE)) {
                await("everything consumed and acked on the promoted replica",
                        () -> promoted.sync().xpending(bytes(stream), bytes(group)).getCount() == 0
                                && consumed.keySet().containsAll(ids(promoted)));
                Set<String> kept = ids(promoted);
                long lost = added.keySet().stream().filter(id -> !kept.contains(id)).count();
                long lostBeforeKill = added.entrySet().stream()
                        .filter(e -> !kept.contains(e.getKey()) && e.getValue() <= killedAt).count();
                long again = consumed.values().stream().filter(times -> times.size() > 1).count();
                Map<String, Object> figures = new LinkedHashMap<>();
                figures.put("replication", cut ? "link cut " + CUT_MILLIS + " ms before the kill" : "in sync");
                figures.put("entries added (XADD returned an id)", (long) added.size());
                figures.put("replication bytes behind at the kill", behind);
                figures.put("kill to promotion (sentinels name the replica)", (promotedAt - killedAt) + " ms");
                figures.put("kill to first consumed entry added after it", (resumedAt - killedAt) + " ms");
                figures.put("added entries lost", lost);
                figures.put("added entries lost, added before the kill", lostBeforeKill);
                figures.put("added entries lost that the consumer had processed",
                        added.keySet().stream().filter(id -> !kept.contains(id) && consumed.containsKey(id)).count());
                figures.put("acks lost (entries delivered again)", again);
                figures.put("entries on the promoted replica not consumed", kept.stream().filter(id -> !consumed.containsKey(id)).count());
                report(cut ? "redis-failover-cut" : "redis-failover-in-sync", figures);
                assertTrue(resumedAt - killedAt < RESUME_WITHIN_MILLIS, "resumed within 15 s: " + figures);
                return figures;
            } finally {
                client.shutdown();
            }
        } finally {
            adding.set(false);
            producer.join(10_000);
        }
    }

    /**
     * Cuts the replica off for CUT_MILLIS, then kills the master: the master's ACL refuses PSYNC and SYNC (a replica
     * dropped by CLIENT KILL TYPE replica alone reconnects and catches up within milliseconds), so the replica's
     * reconnects fail while the producer and the consumer go on. Returns how many bytes of replication stream the
     * replica lacked just before the kill.
     */
    private long cutReplicationAndKill(RedisServer master) {
        RedisServer replica = sentinels.replica();
        RedisClient client = RedisClient.create();
        try (StatefulRedisConnection<String, String> toMaster = client.connect(RedisURI.create(master.url()));
             StatefulRedisConnection<String, String> toReplica = client.connect(RedisURI.create(replica.url()))) {
            toMaster.sync().dispatch(CommandType.ACL, new StatusOutput<>(StringCodec.UTF8),
                    new CommandArgs<>(StringCodec.UTF8).add("SETUSER").add("default").add("-psync").add("-sync"));
            toMaster.sync().clientKill(KillArgs.Builder.typeSlave());
            sleep(CUT_MILLIS);
            long replicaOffset = field(toReplica.sync().info("replication"), "slave_repl_offset");
            long masterOffset = field(toMaster.sync().info("replication"), "master_repl_offset");
            master.kill();
            return masterOffset - replicaOffset;
        } finally {
            client.shutdown();
        }
    }

    /** XADD every 5 ms; a failed one is not counted, and the next asks the sentinels for the master anew. */
    private void produce(AtomicBoolean adding) {
        RedisClient client = RedisClient.create();
        client.setOptions(ClientOptions.builder().autoReconnect(false).build());
        RedisURI uri = RedisURI.create(sentinels.url());
        uri.setTimeout(Duration.ofSeconds(1));
        StatefulRedisConnection<byte[], byte[]> connection = null;
        try {
            for (int i = 0; adding.get(); i++) {
                try {
                    if (connection == null || !connection.isOpen()) {
                        connection = client.connect(ByteArrayCodec.INSTANCE, uri);
                    }
                    String id = connection.sync().xadd(bytes(stream), EntryLayout.entryOf(event("failover-" + i)));
                    added.put(id, System.currentTimeMillis());
                } catch (RuntimeException e) {
                    if (connection != null) {
                        connection.close();
                        connection = null;
                    }
                    sleep(50);
                }
                sleep(5);
            }
        } finally {
            if (connection != null) {
                connection.close();
            }
            client.shutdown();
        }
    }

    private long firstConsumedAddedAfter(long time) {
        return added.entrySet().stream().filter(e -> e.getValue() > time && consumed.containsKey(e.getKey()))
                .mapToLong(e -> consumed.get(e.getKey()).get(0)).min().orElse(0);
    }

    private Set<String> ids(StatefulRedisConnection<byte[], byte[]> connection) {
        return connection.sync().xrange(bytes(stream), Range.create("-", "+")).stream().map(StreamMessage::getId)
                .collect(Collectors.toSet());
    }

    private static long field(String info, String name) {
        return info.lines().filter(l -> l.startsWith(name + ":"))
                .mapToLong(l -> Long.parseLong(l.substring(name.length() + 1).strip())).findFirst().orElse(-1);
    }

    private static void report(String name, Map<String, Object> figures) throws Exception {
        String text = figures.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue() + "\n").collect(Collectors.joining());
        System.out.print("== " + name + "\n" + text);
        Path file = Path.of("target/reliability", name + ".txt");
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }
}
