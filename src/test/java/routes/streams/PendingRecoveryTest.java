package routes.streams;

import java.util.ArrayList;
import java.util.List;

import io.lettuce.core.Consumer;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.XReadArgs.StreamOffset;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Own pending entries of every stream, page by page, each once, until all streams are done. */
class PendingRecoveryTest extends StreamsTestSupport {

    private final String other = stream + ":other";

    @Test
    void readsEveryOwnPendingEntryOfEveryStreamOnce() {
        createGroup();
        redis().xgroupCreate(StreamOffset.from(other, "0"), group, XGroupCreateArgs.Builder.mkstream());
        List<String> mine = addEvents(3);
        readAs("me", 3);
        String foreign = addEvent("foreign");
        readAs("someone-else", 1);
        String otherId = redis().xadd(other, "payload", "x");
        redis().xreadgroup(Consumer.from(group, "me"), XReadArgs.Builder.count(1),
                StreamOffset.lastConsumed(other));

        PendingRecovery recovery = new PendingRecovery(Consumer.from(bytes(group), bytes("me")), 2);
        recovery.start(List.of(stream, other));
        List<String> read = new ArrayList<>();
        int pages = 0;
        while (recovery.active()) {
            for (StreamMessage<byte[], byte[]> message : recovery.next(redisBytes())) {
                read.add(new String(message.getStream()) + " " + message.getId());
            }
            pages++;
        }

        List<String> expected = new ArrayList<>(mine.stream().map(id -> stream + " " + id).toList());
        expected.add(other + " " + otherId);
        assertEquals(expected.stream().sorted().toList(), read.stream().sorted().toList());
        assertFalse(read.contains(stream + " " + foreign), "another consumer's entry");
        assertTrue(pages >= 2 && pages <= 4, pages + " pages");
    }

    @Test
    void endsAtOnceWithoutOwnPendingEntries() {
        createGroup();
        PendingRecovery recovery = new PendingRecovery(Consumer.from(bytes(group), bytes("me")), 10);
        assertFalse(recovery.active());
        recovery.start(List.of(stream));
        assertTrue(recovery.active());

        assertTrue(recovery.next(redisBytes()).isEmpty());
        assertFalse(recovery.active());
    }
}
