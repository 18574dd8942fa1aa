package routes.streams;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.apache.camel.ServiceStatus;
import org.apache.camel.ShutdownRunningTask;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Suspending the route pauses reading: in-flight entries complete and are acked, nothing new is read, and resume goes
 * on. The route's shutdownRunningTask decides whether the rest of the batch in hand and a prefetched batch are
 * processed first (CompleteAllTasks) or stay pending until resume (CompleteCurrentTaskOnly), for a suspend as for a stop.
 */
class RedisStreamsSuspendTest extends StreamsTestSupport {

    private static final String OPTIONS = "consumerName=s&batchSize=10&prefetch=true&blockTimeout=500&claimIdleTime=60000";

    private final List<String> started = new CopyOnWriteArrayList<>();
    private final List<String> finished = new CopyOnWriteArrayList<>();
    private final CountDownLatch twoStarted = new CountDownLatch(2);

    @Override
    protected boolean useJmx() {
        return true;
    }

    @Test
    void suspendFromJmxCompletesTheCurrentEntryOnlyAndResumeGoesOnWithTheRest() throws Exception {
        List<String> ids = addEvents(30);
        slowRoute(ShutdownRunningTask.CompleteCurrentTaskOnly);
        assertTrue(twoStarted.await(DEADLINE_MS, TimeUnit.MILLISECONDS));

        // What Hawtio does: the route's MBean operation.
        invokeOnRoute("suspend");

        assertEquals(ServiceStatus.Suspended, context.getRouteController().getRouteStatus("r"));
        int done = finished.size();
        assertEquals(started, finished, "the entry in hand completed");
        assertTrue(done >= 2 && done < 10, "suspended within the first batch after " + done + " entries");
        await("completed entries acked, the rest of the batch and the prefetched one pending",
                () -> pendingIds().equals(ids.subList(done, 20)));
        String during = addEvent("during-suspension");
        sleep(1500);
        assertEquals(done, finished.size(), "nothing processed while suspended");
        assertEquals(ids.subList(done, 20), pendingIds(), "nothing read while suspended");

        invokeOnRoute("resume");

        List<String> all = new ArrayList<>(ids);
        all.add(during);
        await("all processed after resume", () -> finished.size() == all.size());
        assertEquals(all, finished, "each entry once, in order");
        await("all acked", () -> pendingIds().isEmpty());
    }

    @Test
    void suspendWithCompleteAllTasksFinishesTheBatchAndThePrefetchedOneFirst() throws Exception {
        List<String> ids = addEvents(30);
        slowRoute(ShutdownRunningTask.CompleteAllTasks);
        assertTrue(twoStarted.await(DEADLINE_MS, TimeUnit.MILLISECONDS));

        context.getRouteController().suspendRoute("r");

        assertEquals(ServiceStatus.Suspended, context.getRouteController().getRouteStatus("r"));
        assertEquals(ids.subList(0, 20), finished, "the batch in hand and the prefetched one, before suspend returned");
        await("both batches acked", () -> pendingIds().isEmpty());
        sleep(1000);
        assertEquals(20, finished.size(), "nothing processed while suspended");
        assertEquals(ids.get(19), lastDelivered(), "nothing read while suspended");

        context.getRouteController().resumeRoute("r");

        await("the third batch after resume", () -> finished.size() == 30);
        assertEquals(ids, finished, "each entry once, in order");
        await("all acked", () -> pendingIds().isEmpty());
    }

    @Test
    void stopWithCompleteAllTasksFinishesTheBatchAndThePrefetchedOneFirst() throws Exception {
        List<String> ids = addEvents(30);
        slowRoute(ShutdownRunningTask.CompleteAllTasks);
        assertTrue(twoStarted.await(DEADLINE_MS, TimeUnit.MILLISECONDS));

        context.getRouteController().stopRoute("r");

        assertEquals(ids.subList(0, 20), finished, "the batch in hand and the prefetched one, before the stop returned");
        assertTrue(pendingIds().isEmpty(), "acked before the readers closed their connections");
        assertEquals(ids.get(19), lastDelivered(), "the third batch never read");
    }

    private void slowRoute(ShutdownRunningTask task) throws Exception {
        routes(r -> r.from(uri(OPTIONS)).routeId("r").shutdownRunningTask(task).process(e -> {
            started.add(entryId(e));
            twoStarted.countDown();
            sleep(50);
            finished.add(entryId(e));
        }));
    }

    private String lastDelivered() {
        List<?> info = (List<?>) redis().xinfoGroups(stream).get(0);
        return String.valueOf(info.get(info.indexOf("last-delivered-id") + 1));
    }

    private void invokeOnRoute(String operation) throws Exception {
        MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
        ObjectName route = jmx.queryNames(new ObjectName("org.apache.camel:context=" + context.getManagementName()
                + ",type=routes,name=\"r\""), null).iterator().next();
        jmx.invoke(route, operation, null, null);
    }
}
