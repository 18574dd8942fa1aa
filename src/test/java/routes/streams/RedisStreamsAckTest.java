package routes.streams;

import java.util.List;
import java.util.function.Consumer;

import org.apache.camel.model.FilterDefinition;
import org.junit.jupiter.api.Test;
import routes.events.EntryLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An entry is acked when its exchange completed (also when dead-lettered), and stays pending otherwise. */
class RedisStreamsAckTest extends StreamsTestSupport {

    private static final String OPTIONS = "consumerName=acker&claimIdleTime=60000&blockTimeout=200";

    @Test
    void acksCompletedExchanges() throws Exception {
        Received received = consume(OPTIONS);
        List<String> ids = addEvents(3);

        assertEquals(ids, received.awaitSize(3).entryIds());
        await("all acked", () -> pendingIds().isEmpty());
    }

    @Test
    void acksExchangesHandledByTheDeadLetterChannel() throws Exception {
        Received dead = new Received();
        routes(r -> {
            r.errorHandler(r.deadLetterChannel("direct:dead"));
            r.from(uri(OPTIONS)).process(e -> {
                throw new IllegalStateException("cannot process " + entryId(e));
            });
            r.from("direct:dead").process(dead::add);
        });
        String id = addEvent("d1");

        assertEquals(List.of(id), dead.awaitSize(1).entryIds());
        await("dead-lettered entry acked", () -> pendingIds().isEmpty());
    }

    @Test
    void keepsFailedUnhandledExchangesPending() throws Exception {
        assertOnlyBadEntryStaysPending(bad -> bad.process(e -> {
            throw new IllegalStateException("cannot process " + entryId(e));
        }));
    }

    @Test
    void keepsRollbackOnlyExchangesPending() throws Exception {
        assertOnlyBadEntryStaysPending(bad -> bad.markRollbackOnly());
    }

    @Test
    void acksInBatches() throws Exception {
        int entries = 1000;
        addEvents(entries);
        long acks = calls("xack");

        Received received = consume(OPTIONS + "&batchSize=100");

        received.awaitSize(entries);
        await("all acked", () -> pendingIds().isEmpty());
        long xacks = calls("xack") - acks;
        assertTrue(xacks <= 20, "XACK calls for " + entries + " entries in batches of 100: " + xacks);
    }

    /** A good and a bad entry read in one batch: the good one is acked, the bad one must not be. */
    private void assertOnlyBadEntryStaysPending(Consumer<FilterDefinition> onBad) throws Exception {
        String bad = addEvent("bad");
        String good = addEvent("good");
        Received received = new Received();
        routes(r -> onBad.accept(r.from(uri(OPTIONS)).process(received::add)
                .filter(r.header(EntryLayout.DEPLOYMENT_ID).isEqualTo("bad"))));

        assertEquals(List.of(bad, good), received.awaitSize(2).entryIds());
        await("good entry acked", () -> !pendingIds().contains(good));
        assertEquals(List.of(bad), pendingIds());
        assertEquals("acker", pending().get(0).getConsumer());
    }
}
