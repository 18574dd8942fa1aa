package routes.streams;

import java.util.List;

import io.lettuce.core.RedisCommandExecutionException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The group on every stream, created with the stream when missing, from startId; an existing one is kept. */
class GroupCreationTest extends StreamsTestSupport {

    @Test
    void createsTheGroupOnEveryStreamFromStartIdAndKeepsAnExistingOne() {
        String other = stream + ":other";
        String before = redis().xadd(other, "payload", "x");

        GroupCreation.create(redisBytes(), List.of(stream, other), group, "$");
        GroupCreation.create(redisBytes(), List.of(stream, other), group, "0");

        assertEquals(List.of(group), groupNames());
        assertEquals(before, redis().xinfoGroups(other).stream().map(g -> (List<?>) g)
                .map(g -> String.valueOf(g.get(g.indexOf("last-delivered-id") + 1))).findFirst().orElseThrow(),
                "from $ when first created; the second call changed nothing");
    }

    @Test
    void recognisesNoGroup() {
        assertTrue(GroupCreation.isNoGroup(new RedisCommandExecutionException("NOGROUP No such key or consumer group")));
        assertFalse(GroupCreation.isNoGroup(new RedisCommandExecutionException("NOPERM this user has no permissions")));
    }
}
