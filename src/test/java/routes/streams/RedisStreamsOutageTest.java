package routes.streams;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import io.lettuce.core.KillArgs;
import io.lettuce.core.Range;
import io.lettuce.core.RedisException;
import io.lettuce.core.StreamMessage;
import org.apache.camel.Exchange;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
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
                assertTrue(groupNames().contains(group), "group re-created on the empty Redis");
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
        template.sendBody("redis-streams:" + stream, event("before"));
        server.kill();

        Exchange during = template.send("redis-streams:" + stream, e -> e.getIn().setBody(event("during")));
        server.start();
        Exchange after = template.send("redis-streams:" + stream, e -> e.getIn().setBody(event("after")));

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
