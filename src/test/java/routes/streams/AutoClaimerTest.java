package routes.streams;

import java.util.ArrayList;
import java.util.List;

import io.lettuce.core.StreamMessage;
import io.lettuce.core.models.stream.PendingMessage;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** XAUTOCLAIM page by page, acking ids that no longer exist; the interval between rounds. */
class AutoClaimerTest extends StreamsTestSupport {

    private final RedisStreamsConfiguration config = new RedisStreamsConfiguration();

    @Test
    void claimsEntriesIdleAtAnotherConsumerPageByPageWithTheirFields() {
        List<String> ids = pendingAtDead(5);
        sleep(300);

        List<String> claimed = new ArrayList<>();
        AutoClaimer.Page page;
        String cursor = AutoClaimer.START;
        int pages = 0;
        do {
            page = claimer().claim(redisBytes(), stream, cursor);
            cursor = page.cursor();
            pages++;
            for (StreamMessage<byte[], byte[]> message : page.claimed()) {
                claimed.add(message.getId());
                assertEquals(stream, new String(message.getStream()));
                assertFalse(message.getBody().isEmpty(), "fields of " + message.getId());
            }
        } while (!page.last());

        assertEquals(ids, claimed);
        assertTrue(pages >= 3, "batchSize 2: " + pages + " pages");
        assertTrue(pending().stream().map(PendingMessage::getConsumer).allMatch("live"::equals));
    }

    @Test
    void acksPendingIdsThatNoLongerExist() {
        List<String> ids = pendingAtDead(3);
        redis().xdel(stream, ids.get(1));
        sleep(300);

        List<String> claimed = new ArrayList<>();
        AutoClaimer claimer = claimer();
        AutoClaimer.Page page = claimer.claim(redisBytes(), stream, AutoClaimer.START);
        page.claimed().forEach(m -> claimed.add(m.getId()));
        while (!page.last()) {
            page = claimer.claim(redisBytes(), stream, page.cursor());
            page.claimed().forEach(m -> claimed.add(m.getId()));
        }

        assertEquals(List.of(ids.get(0), ids.get(2)), claimed);
        assertEquals(List.of(ids.get(0), ids.get(2)), pendingIds(), "the deleted id acked");
    }

    @Test
    void leavesEntriesYoungerThanClaimIdleTime() {
        pendingAtDead(2);

        AutoClaimer.Page page = claimer().claim(redisBytes(), stream, AutoClaimer.START);

        assertTrue(page.claimed().isEmpty());
        assertTrue(page.last());
        assertTrue(pending().stream().map(PendingMessage::getConsumer).allMatch("dead"::equals));
    }

    @Test
    void claimsOnceEveryClaimInterval() {
        AutoClaimer claimer = claimer();
        assertTrue(claimer.due(), "at once after start");
        claimer.waitInterval();
        assertFalse(claimer.due());
        sleep(600);
        assertTrue(claimer.due(), "claimInterval 500 ms later");
        claimer.waitInterval();
        claimer.claimSoon();
        assertTrue(claimer.due(), "at once after an outage");
    }

    private AutoClaimer claimer() {
        config.setClaimIdleTime(200);
        config.setClaimInterval(500);
        config.setBatchSize(2);
        return new AutoClaimer(group, "live", config);
    }

    private List<String> pendingAtDead(int count) {
        createGroup();
        List<String> ids = addEvents(count);
        readAs("dead", count);
        return ids;
    }
}
