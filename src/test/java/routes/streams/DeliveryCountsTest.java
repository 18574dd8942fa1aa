package routes.streams;

import java.util.List;

import io.lettuce.core.Consumer;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XClaimArgs;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Delivery counts of a redelivered batch, also when its entries are not adjacent in the consumer's pending list. */
class DeliveryCountsTest extends StreamsTestSupport {

    @Test
    void countsEntriesClaimedAroundAYoungerOwnEntry() {
        createGroup();
        List<String> ids = addEvents(3);
        readAs("dead", 1);
        readAs("me", 1);
        readAs("dead", 1);
        redis().xclaim(stream, Consumer.from(group, "me"), XClaimArgs.Builder.minIdleTime(0),
                ids.get(0), ids.get(2));
        List<StreamMessage<byte[], byte[]>> claimed = redisBytes().xrange(bytes(stream), Range.create("-", "+")).stream()
                .filter(m -> !m.getId().equals(ids.get(1))).toList();

        DeliveryCounts counts = DeliveryCounts.of(redisBytes(), Consumer.from(bytes(group), bytes("me")), claimed);

        assertEquals(2, counts.of(stream, ids.get(0)));
        assertEquals(2, counts.of(stream, ids.get(2)));
        assertEquals(1, counts.of(stream, "0-1"), "not pending: counted as a first delivery");
    }
}
