package routes.streams;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** prefetch=true: the next batch is read while one is processed; order, acks and shutdown stay as without it. */
class RedisStreamsPrefetchTest extends StreamsTestSupport {

    private static final String OPTIONS = "consumerName=p&batchSize=10&prefetch=true&blockTimeout=200&claimIdleTime=60000";

    @Test
    void readsTheNextBatchWhileOneIsProcessed() throws Exception {
        addEvents(30);
        CountDownLatch inFirst = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        routes(r -> r.from(uri(OPTIONS)).process(e -> {
            inFirst.countDown();
            release.await(DEADLINE_MS, TimeUnit.MILLISECONDS);
        }));
        assertTrue(inFirst.await(DEADLINE_MS, TimeUnit.MILLISECONDS));

        // The first batch is in process and the second one delivered to this consumer: 20 pending, not 10.
        await("the second batch prefetched", () -> pendingIds().size() == 20);
        release.countDown();
        await("all processed and acked", () -> pendingIds().isEmpty());
    }

    @Test
    void processesEveryEntryOnceInOrderAndAcksIt() throws Exception {
        List<String> ids = addEvents(1005);

        Received received = consume(OPTIONS);

        assertEquals(ids, received.awaitSize(ids.size()).entryIds());
        await("all acked", () -> pendingIds().isEmpty());
        String late = addEvent("late");
        assertEquals(late, received.awaitSize(ids.size() + 1).entryIds().get(ids.size()), "reads on once drained");
    }

    @Test
    void aStopLeavesThePrefetchedBatchPendingForTheRestart() throws Exception {
        List<String> ids = addEvents(30);
        List<String> finished = new CopyOnWriteArrayList<>();
        CountDownLatch twoStarted = new CountDownLatch(2);
        routes(r -> r.from(uri(OPTIONS)).routeId("slow").process(e -> {
            twoStarted.countDown();
            sleep(100);
            finished.add(entryId(e));
        }));
        assertTrue(twoStarted.await(DEADLINE_MS, TimeUnit.MILLISECONDS));

        context.getRouteController().stopRoute("slow");

        int done = finished.size();
        assertTrue(done >= 2 && done < 10, "stopped within the first batch after " + done + " entries");
        await("the unprocessed entries, the prefetched batch among them, pending",
                () -> pendingIds().equals(ids.subList(done, 20)));

        context.getRouteController().startRoute("slow");

        await("all processed after the restart", () -> finished.size() == ids.size());
        List<String> inOrder = new ArrayList<>(finished);
        assertEquals(ids, inOrder, "each entry processed once, in order");
        await("all acked", () -> pendingIds().isEmpty());
    }
}
