package routes.streams;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** XAUTOCLAIM takes over a dead consumer's entries, acks deleted ones, and leaves live in-flight work alone. */
class RedisStreamsClaimTest extends StreamsTestSupport {

    private static final String CLAIMING = "claimIdleTime=1000&claimInterval=300&blockTimeout=200";

    @Test
    void claimsEntriesOfADeadConsumer() throws Exception {
        createGroup();
        List<String> ids = addEvents(2);
        readAs("dead-1", 2);

        Received received = consume("consumerName=live&" + CLAIMING);

        assertEquals(ids, received.awaitSize(2).entryIds());
        received.all().forEach(e -> {
            assertEquals("live", e.getIn().getHeader(RedisStreamsConstants.CONSUMER));
            assertEquals(2L, e.getIn().getHeader(RedisStreamsConstants.DELIVERY_COUNT));
        });
        await("claimed entries acked", () -> pendingIds().isEmpty());
        RedisStreamsConsumer consumer = (RedisStreamsConsumer) context.getRoutes().get(0).getConsumer();
        assertEquals(2, consumer.getClaimedEntries(stream), "claims counted for the stream's metrics");
        assertEquals(0, consumer.getClaimedEntries("another-stream"));
    }

    @Test
    void acksClaimedIdsThatWereDeletedInsteadOfLoopingOnThem() throws Exception {
        createGroup();
        List<String> ids = addEvents(3);
        readAs("dead-1", 3);
        redis().xdel(stream, ids.get(1));

        Received received = consume("consumerName=live&" + CLAIMING);

        received.awaitSize(2);
        await("every pending entry settled", () -> pendingIds().isEmpty());
        long claims = calls("xautoclaim");
        sleep(1000);
        assertEquals(List.of(ids.get(0), ids.get(2)), received.entryIds());
        assertTrue(calls("xautoclaim") - claims <= 5, "XAUTOCLAIM keeps its interval once the deleted id is gone");
    }

    @Test
    void doesNotLetOthersClaimALongRunningInFlightEntry() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        Received slow = new Received();
        routes(r -> r.from(uri("consumerName=slow&" + CLAIMING)).process(e -> {
            started.countDown();
            sleep(3000);
            redis().xpending(stream, group, Range.create(entryId(e), entryId(e)), Limit.from(1)).forEach(p -> {
                e.getIn().setHeader("pendingConsumer", p.getConsumer());
                e.getIn().setHeader("pendingDeliveries", p.getRedeliveryCount());
            });
        }).process(slow::add));
        String id = addEvent("long-running");
        assertTrue(started.await(DEADLINE_MS, TimeUnit.MILLISECONDS));

        Received fast = consume("consumerName=fast&" + CLAIMING);

        slow.awaitSize(1);
        assertEquals(List.of(), fast.entryIds(), "the second consumer never saw the in-flight entry");
        await("acked by the slow consumer", () -> pendingIds().isEmpty());
        assertEquals(id, entryId(slow.get(0)));
        assertEquals("slow", slow.get(0).getIn().getHeader("pendingConsumer"), "still owned after 3 s of work");
        assertEquals(1L, slow.get(0).getIn().getHeader("pendingDeliveries"), "keep-alive XCLAIM JUSTID does not count");
    }
}
