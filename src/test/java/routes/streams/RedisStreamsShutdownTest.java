package routes.streams;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
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

    @Test
    void aStopEndsBlockingReadsInsteadOfWaitingThemOut() throws Exception {
        Received received = consume("consumerName=u&concurrentConsumers=3&blockTimeout=60000&claimIdleTime=600000");
        addEvent("before-stop");
        received.awaitSize(1);
        // Counted on the whole server: other tests' clients may be there too, but none blocks while this one runs.
        await("the 3 readers blocked in XREADGROUP", () -> blockedReaders() >= 3);
        long blocked = blockedReaders();

        // Without CLIENT UNBLOCK each reader would return only when its 60 s BLOCK ran out (or the graceful shutdown
        // timed out, which would then close their connections under them).
        context.getShutdownStrategy().setTimeout(45);
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> context.stop());

        assertEquals(blocked - 3, blockedReaders(), "no reader left blocked");
        assertEquals(List.of(), pendingIds(), "the one event was processed and acked; the unblocked reads took nothing");
        String after = addEvent("after-stop");
        assertEquals(List.of(), pendingIds(), "nobody reads after the stop: " + after + " was delivered to no one");
    }

    private long blockedReaders() {
        return redis().clientList().lines().filter(l -> l.contains("cmd=xreadgroup") && l.contains(" flags=b ")).count();
    }
}
