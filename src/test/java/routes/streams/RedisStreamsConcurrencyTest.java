package routes.streams;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.camel.Exchange;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** concurrentConsumers N: N consumers with distinct names, each handling its entries in stream order. */
class RedisStreamsConcurrencyTest extends StreamsTestSupport {

    @Test
    void runsDistinctConsumersThatKeepTheirOrder() throws Exception {
        Received received = consume("consumerName=w&concurrentConsumers=3&batchSize=5&blockTimeout=200&claimIdleTime=60000");
        await("three consumers registered", () -> groupNames().contains(group)
                && Set.copyOf(consumerNames()).equals(Set.of("w-1", "w-2", "w-3")));

        int entries = 150;
        List<String> ids = addEvents(entries);

        received.awaitSize(entries);
        await("all acked", () -> pendingIds().isEmpty());
        assertEquals(Set.copyOf(ids), new HashSet<>(received.entryIds()), "every entry exactly once");
        assertEquals(entries, received.size());
        Map<String, String> lastByConsumer = new HashMap<>();
        for (Exchange exchange : received.all()) {
            String consumer = exchange.getIn().getHeader(RedisStreamsConstants.CONSUMER, String.class);
            String id = entryId(exchange);
            String last = lastByConsumer.put(consumer, id);
            assertTrue(last == null || compare(last, id) < 0, consumer + " handled " + id + " after " + last);
        }
        assertTrue(Set.of("w-1", "w-2", "w-3").containsAll(lastByConsumer.keySet()), "consumers " + lastByConsumer.keySet());
    }

    /** Stream entry ids ordered as Redis orders them: milliseconds, then sequence. */
    private static int compare(String a, String b) {
        String[] x = a.split("-");
        String[] y = b.split("-");
        int byTime = Long.compare(Long.parseLong(x[0]), Long.parseLong(y[0]));
        return byTime != 0 ? byTime : Long.compare(Long.parseLong(x[1]), Long.parseLong(y[1]));
    }
}
