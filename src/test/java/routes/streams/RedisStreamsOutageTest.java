package routes.streams;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import io.lettuce.core.AclSetuserArgs;
import io.lettuce.core.KillArgs;
import io.lettuce.core.Range;
import io.lettuce.core.RedisException;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.protocol.CommandType;
import org.apache.camel.Exchange;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import routes.events.EntryLayout;
import routes.support.RedisServer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** On a private redis-server that the tests kill and restart, and whose clients they kill. */
class RedisStreamsOutageTest extends StreamsTestSupport {

    private static RedisServer server;

    @BeforeAll
    static void startRedis() {
        server = RedisServer.startPrivate();
    }

    @AfterAll
    static void stopRedis() {
        server.close();
    }

    @Override
    protected String redisUrl() {
        return server.url();
    }

    @Test
    void resumesAfterRedisRestartsAndLogsOncePerOutage() throws Exception {
        try (LogCapture log = LogCapture.of(StreamReader.class)) {
            Received received = consume("consumerName=r&blockTimeout=500&claimIdleTime=60000");
            addEvent("before");
            received.awaitSize(1);

            for (int outage = 1; outage <= 2; outage++) {
                server.kill();
                // Every poll during the outage fails; it must still be logged once.
                sleep(1500);
                server.start();
                long restarted = System.currentTimeMillis();
                String id = addWhenReachable("after-" + outage);

                await("consumption resumed after outage " + outage, () -> received.entryIds().contains(id));
                long resumedIn = System.currentTimeMillis() - restarted;
                assertTrue(resumedIn < 5000, "resumed " + resumedIn + " ms after Redis came back");
                // The test's own connection reconnects in its own time.
                await("group re-created on the empty Redis", () -> {
                    try {
                        return groupNames().contains(group);
                    } catch (RedisException e) {
                        return false;
                    }
                });
                assertEquals(outage, log.count(Level.WARN, "Redis unreachable"), String.join("\n", log.lines()));
            }
        }
    }

    @Test
    void rereadsOwnPendingEntriesAfterReconnecting() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        Received received = new Received();
        routes(r -> r.from(uri("consumerName=r&blockTimeout=500&claimIdleTime=60000")).process(received::add)
                .process(e -> {
                    if (attempts.incrementAndGet() == 1) {
                        throw new IllegalStateException("first attempt fails");
                    }
                }));
        String id = addEvent("d1");
        received.awaitSize(1);
        await("failed entry pending", () -> pendingIds().contains(id));

        // Drops every connection but this one: the consumer reconnects and must re-read what it still owns.
        redis().clientKill(KillArgs.Builder.typeNormal().skipme());

        received.awaitSize(2);
        assertEquals(id, entryId(received.get(1)));
        assertEquals(2L, received.get(1).getIn().getHeader(RedisStreamsConstants.DELIVERY_COUNT));
        await("acked after the re-read", () -> pendingIds().isEmpty());
    }

    @Test
    void entriesCompletedBeforeAConnectionLossAreNotProcessedAgain() throws Exception {
        List<String> ids = addEvents(5);
        AtomicInteger seen = new AtomicInteger();
        Received received = new Received();
        routes(r -> r.from(uri("consumerName=k&batchSize=10&blockTimeout=500&claimIdleTime=60000")).process(e -> {
            received.add(e);
            if (seen.incrementAndGet() == 1) {
                // The batch's XACK, sent after the batch, meets a dropped connection; the reconnect's re-read of own
                // pending entries must not hand the completed entries to the route again.
                redis().clientKill(KillArgs.Builder.typeNormal().skipme());
                sleep(200);
            }
        }));
        received.awaitSize(5);
        await("acked after the reconnect", () -> pendingIds().isEmpty());
        sleep(1000);
        assertEquals(ids, received.entryIds(), "each entry processed once");
    }

    @Test
    void aRefusedCommandWithAPrefetchedBatchOutstandingProcessesThatBatchOnce() throws Exception {
        List<String> ids = addEvents(20);
        CountDownLatch inFirst = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Received received = new Received();
        routes(r -> r.from(uri("consumerName=p&batchSize=10&prefetch=true&blockTimeout=500&claimInterval=100"
                + "&claimIdleTime=60000")).process(e -> {
                    received.add(e);
                    inFirst.countDown();
                    release.await(DEADLINE_MS, TimeUnit.MILLISECONDS);
                }));
        assertTrue(inFirst.await(DEADLINE_MS, TimeUnit.MILLISECONDS));
        await("second batch prefetched", () -> pendingIds().size() == 20);
        // The claim after the first batch is refused (as with NOPERM, BUSY or MISCONF); the batch outlasts the claim
        // interval, so that claim comes before the prefetched batch is taken.
        redis().aclSetuser("default", AclSetuserArgs.Builder.removeCommand(CommandType.XAUTOCLAIM));
        try {
            sleep(500);
            release.countDown();
            received.awaitSize(20);
            await("all acked", () -> pendingIds().isEmpty());
        } finally {
            redis().aclSetuser("default", AclSetuserArgs.Builder.addCommand(CommandType.XAUTOCLAIM));
        }
        // Claims and new reads go on as before: nothing left over from before the refusal comes round again.
        sleep(1500);
        assertEquals(ids, received.entryIds(), "each entry processed once");
    }

    @Test
    void aRefusedClaimNeitherStopsNewReadsNorCountsAsAnOutage() throws Exception {
        redis().aclSetuser("default", AclSetuserArgs.Builder.removeCommand(CommandType.XAUTOCLAIM));
        try (LogCapture log = LogCapture.of(StreamReader.class)) {
            Received received = consume("consumerName=c&blockTimeout=200&claimInterval=300&claimIdleTime=60000");
            for (int i = 0; i < 5; i++) {
                String id = addEvent("during-" + i);
                await("entry " + i + " read while every claim is refused", () -> received.entryIds().contains(id));
                sleep(300);
            }
            assertEquals(0, log.count(Level.WARN, "Redis unreachable"), String.join("\n", log.lines()));
            assertEquals(1, log.count(Level.WARN, "Redis refused a command"), String.join("\n", log.lines()));
        } finally {
            redis().aclSetuser("default", AclSetuserArgs.Builder.addCommand(CommandType.XAUTOCLAIM));
        }
    }

    @Test
    void aGroupThatMayNotBeCreatedIsReadWhenItExists() throws Exception {
        createGroup();
        redis().aclSetuser("default", AclSetuserArgs.Builder.removeCommand(CommandType.XGROUP)
                .removeCommand(CommandType.CLIENT));
        try {
            Received received = consume("consumerName=g&blockTimeout=200&claimIdleTime=60000");
            String id = addEvent("with-acl");
            await("read from the group made beforehand", () -> received.entryIds().contains(id));
            await("acked", () -> pendingIds().isEmpty());
        } finally {
            redis().aclSetuser("default", AclSetuserArgs.Builder.addCommand(CommandType.XGROUP).addCommand(CommandType.CLIENT));
        }
    }

    @Test
    void stopsPromptlyWhileRedisIsAway() throws Exception {
        Received received = consume("consumerName=r&blockTimeout=500&maxReconnectDelay=30s");
        addEvent("before");
        received.awaitSize(1);
        server.kill();
        try {
            // Long enough for the backoff to grow past what a stop may take.
            sleep(3500);
            long stopping = System.currentTimeMillis();
            context.stop();
            long stopTook = System.currentTimeMillis() - stopping;
            assertTrue(stopTook < 1500, "stopped in " + stopTook + " ms");
        } finally {
            server.start();
        }
    }

    @Test
    void producerWritesAgainAsSoonAsRedisIsBack() {
        template.sendBody("redis-streams:" + stream, EntryLayout.entryOf(event("before")));
        server.kill();

        Exchange during = template.send("redis-streams:" + stream,
                e -> e.getIn().setBody(EntryLayout.entryOf(event("during"))));
        server.start();
        Exchange after = template.send("redis-streams:" + stream,
                e -> e.getIn().setBody(EntryLayout.entryOf(event("after"))));

        assertInstanceOf(RedisException.class, during.getException());
        assertNull(after.getException(), "the first send after the restart succeeds");
        String id = after.getMessage().getHeader(RedisStreamsConstants.ENTRY_ID, String.class);
        assertEquals(List.of(id), whenReachable(() -> redis().xrange(stream, Range.create("-", "+")))
                .stream().map(StreamMessage::getId).toList(), "the restarted Redis holds just the new entry");
    }

    private String addWhenReachable(String deploymentId) {
        return whenReachable(() -> addEvent(deploymentId));
    }

    private static <T> T whenReachable(Supplier<T> command) {
        long deadline = System.currentTimeMillis() + DEADLINE_MS;
        while (true) {
            try {
                return command.get();
            } catch (RedisException e) {
                if (System.currentTimeMillis() > deadline) {
                    fail("Redis did not come back: " + e.getMessage());
                }
                sleep(20);
            }
        }
    }
}
