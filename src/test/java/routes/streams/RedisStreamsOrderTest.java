package routes.streams;

import java.util.List;

import io.lettuce.core.XAddArgs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import routes.events.EntryLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A read of several streams is handed to the route in entry id order, not stream by stream. */
class RedisStreamsOrderTest extends StreamsTestSupport {

    private final String other = stream + ":other";

    @Test
    void entriesOfSeveralStreamsComeInIdOrder() throws Exception {
        // Both streams filled before the consumer starts, so one XREADGROUP returns all three entries.
        add(other, "3-0");
        add(stream, "5-0");
        add(other, "7-0");
        Received received = new Received();
        routes(r -> r.from("redis-streams:" + stream + "," + other + "?group=" + group + "&blockTimeout=200")
                .process(received::add));

        assertEquals(List.of("3-0", "5-0", "7-0"), received.awaitSize(3).entryIds());
        assertEquals(List.of(other, stream, other), received.all().stream()
                .map(e -> e.getMessage().getHeader(RedisStreamsConstants.STREAM, String.class)).toList());
    }

    @Test
    void idsCompareByTimeThenSequence() {
        assertEquals(-1, Integer.signum(StreamReader.compareIds("999-5", "1000-0")));
        assertEquals(1, Integer.signum(StreamReader.compareIds("1000-10", "1000-9")));
        assertEquals(0, StreamReader.compareIds("1000-1", "1000-1"));
    }

    @AfterEach
    void dropTheOtherStream() {
        redis().del(other);
    }

    private void add(String key, String id) {
        redisBytes().xadd(bytes(key), new XAddArgs().id(id), EntryLayout.entryOf(event("d-" + id)));
    }
}
