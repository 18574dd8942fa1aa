package routes.streams;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Stopping finishes and acks the exchanges in flight; the unprocessed rest of a batch stays pending. */
class RedisStreamsShutdownTest extends StreamsTestSupport {

    @Test
    void finishesInFlightExchangesAndLeavesTheRestPending() throws Exception {
        List<String> ids = addEvents(10);
        List<String> started = new CopyOnWriteArrayList<>();
        List<String> finished = new CopyOnWriteArrayList<>();
        CountDownLatch twoStarted = new CountDownLatch(2);
        routes(r -> r.from(uri("consumerName=s&batchSize=10&blockTimeout=200&claimIdleTime=60000")).process(e -> {
            started.add(entryId(e));
            twoStarted.countDown();
            sleep(300);
            finished.add(entryId(e));
        }));
        assertTrue(twoStarted.await(DEADLINE_MS, TimeUnit.MILLISECONDS));

        context.stop();

        int done = finished.size();
        assertEquals(started, finished, "every exchange that started also finished");
        assertTrue(done >= 2 && done < ids.size(), "stopped mid-batch after " + done + " entries");
        assertEquals(ids.subList(0, done), finished);
        assertEquals(ids.subList(done, ids.size()), pendingIds(), "finished entries acked, the rest pending");
    }
}
