package routes.streams;

import java.util.List;

import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs.StreamOffset;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The consumer creates its group (and stream) when missing, keeps an existing one, and recreates a lost one. */
class RedisStreamsGroupTest extends StreamsTestSupport {

    @Test
    void createsGroupAndStreamWhenMissing() throws Exception {
        assertEquals(0, redis().exists(stream));
        Received received = consume("blockTimeout=200");

        await("group created", () -> groupNames().contains(group));
        assertEquals("stream", redis().type(stream));
        String id = addEvent("d1");
        assertEquals(List.of(id), received.awaitSize(1).entryIds());
    }

    @Test
    void keepsAnExistingGroupAndItsPosition() throws Exception {
        String before = addEvent("before");
        redis().xgroupCreate(StreamOffset.latest(stream), group, XGroupCreateArgs.Builder.mkstream());
        String after = addEvent("after");

        Received received = consume("blockTimeout=200");

        received.awaitSize(1);
        await("entry acked", () -> pendingIds().isEmpty());
        assertEquals(List.of(after), received.entryIds(), "BUSYGROUP must leave the group where it was, not re-read " + before);
    }

    @Test
    void recreatesGroupWhenStreamIsDeleted() throws Exception {
        Received received = consume("blockTimeout=200");
        await("group created", () -> groupNames().contains(group));
        addEvent("d1");
        received.awaitSize(1);

        redis().del(stream);
        String second = addEvent("d2");

        // Counted, not looked up by id: a re-created stream numbers afresh, so d2 may get d1's id (same millisecond).
        received.awaitSize(2);
        assertEquals(second, received.entryIds().get(1));
        assertTrue(groupNames().contains(group));
        await("entry acked in the new group", () -> pendingIds().isEmpty());
    }

    @Test
    void recreatesGroupWhenGroupIsDestroyed() throws Exception {
        Received received = consume("blockTimeout=200");
        await("group created", () -> groupNames().contains(group));
        String first = addEvent("d1");
        received.awaitSize(1);

        redis().xgroupDestroy(stream, group);
        String second = addEvent("d2");

        await("consumption continues after NOGROUP", () -> received.entryIds().contains(second));
        assertTrue(groupNames().contains(group));
        // The re-created group starts at startId 0, so the first entry comes once more: proof it is a new group.
        assertEquals(2, received.entryIds().stream().filter(first::equals).count());
        await("entries acked in the new group", () -> pendingIds().isEmpty());
    }
}
