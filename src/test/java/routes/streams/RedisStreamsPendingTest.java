package routes.streams;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Own pending entries come before new ones; a deleted pending entry is acked; an idle consumer does not spin. */
class RedisStreamsPendingTest extends StreamsTestSupport {

    @Test
    void readsOwnPendingEntriesBeforeNewOnes() throws Exception {
        createGroup();
        List<String> ids = new ArrayList<>(addEvents(3));
        readAs("c-x", 3);
        ids.addAll(addEvents(2));

        Received received = consume("consumerName=c-x&claimIdleTime=60000&blockTimeout=200");

        received.awaitSize(5);
        assertEquals(ids, received.entryIds());
        List<Long> deliveries = received.all().stream()
                .map(e -> e.getIn().getHeader(RedisStreamsConstants.DELIVERY_COUNT, Long.class)).toList();
        assertEquals(List.of(2L, 2L, 2L, 1L, 1L), deliveries);
        await("all acked", () -> pendingIds().isEmpty());
    }

    @Test
    void acksOwnPendingEntriesThatWereDeleted() throws Exception {
        createGroup();
        List<String> ids = addEvents(3);
        readAs("c-x", 3);
        redis().xdel(stream, ids.get(1));

        Received received = consume("consumerName=c-x&claimIdleTime=60000&blockTimeout=200");

        received.awaitSize(2);
        await("deleted entry acked too", () -> pendingIds().isEmpty());
        assertEquals(List.of(ids.get(0), ids.get(2)), received.entryIds());
    }

    @Test
    void doesNotSpinWhenIdle() throws Exception {
        consume("consumerName=idle&blockTimeout=1000&claimInterval=1000");
        await("consumer registered", () -> groupNames().contains(group) && consumerNames().contains("idle"));
        long reads = calls("xreadgroup");
        long claims = calls("xautoclaim");

        sleep(3000);

        long idleReads = calls("xreadgroup") - reads;
        long idleClaims = calls("xautoclaim") - claims;
        assertTrue(idleReads <= 5, "XREADGROUP calls in 3 idle seconds with BLOCK 1000: " + idleReads);
        assertTrue(idleClaims <= 5, "XAUTOCLAIM calls in 3 idle seconds every 1000 ms: " + idleClaims);
    }
}
