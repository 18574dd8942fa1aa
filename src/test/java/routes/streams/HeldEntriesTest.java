package routes.streams;

import java.util.List;

import io.lettuce.core.Consumer;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.XClaimArgs;
import io.lettuce.core.models.stream.PendingMessage;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The keep-alive resets the idle time of held entries only, counts no delivery and takes nothing back. */
class HeldEntriesTest extends StreamsTestSupport {

    private final RedisStreamsConfiguration config = new RedisStreamsConfiguration();

    @Test
    void touchesAQuarterOfClaimIdleTimeApartAtMost50Ms() {
        config.setClaimIdleTime(60_000);
        assertEquals(15_000, HeldEntries.interval(config));
        config.setClaimIdleTime(100);
        assertEquals(50, HeldEntries.interval(config));
    }

    @Test
    void resetsTheIdleTimeOfHeldEntriesWithoutCountingADelivery() {
        List<String> ids = pendingAt("me", 2);
        HeldEntries held = held("me");
        sleep(400);

        held.hold(stream, ids.get(0));
        held.touch(this::redisBytes);

        assertTrue(entry(ids.get(0)).getMsSinceLastDelivery() < 200, "touched");
        assertTrue(entry(ids.get(1)).getMsSinceLastDelivery() >= 400, "not held, not touched");
        assertEquals(1, entry(ids.get(0)).getRedeliveryCount());
        assertEquals("me", entry(ids.get(0)).getConsumer());
    }

    @Test
    void leavesAnEntryAnotherConsumerClaimedMeanwhile() {
        List<String> ids = pendingAt("me", 1);
        HeldEntries held = held("me");
        sleep(400);
        redis().xclaim(stream, Consumer.from(group, "other"), XClaimArgs.Builder.justid(), ids.get(0));

        held.hold(stream, ids.get(0));
        held.touch(this::redisBytes);

        assertEquals("other", entry(ids.get(0)).getConsumer());
    }

    @Test
    void connectsOnlyWhenItHoldsEntries() {
        HeldEntries held = held("me");
        held.touch(() -> {
            throw new AssertionError("no entry held: no connection needed");
        });
        held.hold(stream, "1-0");
        held.releaseAll();
        held.touch(() -> {
            throw new AssertionError("released");
        });
    }

    private HeldEntries held(String consumer) {
        config.setClaimIdleTime(400);
        return new HeldEntries(Consumer.from(bytes(group), bytes(consumer)), config);
    }

    private List<String> pendingAt(String consumer, int count) {
        createGroup();
        List<String> ids = addEvents(count);
        readAs(consumer, count);
        return ids;
    }

    private PendingMessage entry(String id) {
        return redis().xpending(stream, group, Range.create(id, id), Limit.from(1)).get(0);
    }
}
