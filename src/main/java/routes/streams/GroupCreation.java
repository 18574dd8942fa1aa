package routes.streams;

import java.nio.charset.StandardCharsets;
import java.util.List;

import io.lettuce.core.RedisBusyException;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs.StreamOffset;
import io.lettuce.core.api.sync.RedisCommands;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates the group on every stream (MKSTREAM) where it is missing, as far as Redis lets this client. */
final class GroupCreation {

    private static final Logger LOG = LoggerFactory.getLogger(GroupCreation.class);

    private GroupCreation() {
    }

    /** @throws RedisCommandExecutionException NOGROUP (the stream vanished meanwhile), for the reader to try again */
    static void create(RedisCommands<byte[], byte[]> redis, List<String> streams, String group, String startId) {
        for (String stream : streams) {
            try {
                redis.xgroupCreate(StreamOffset.from(stream.getBytes(StandardCharsets.UTF_8), startId),
                        group.getBytes(StandardCharsets.UTF_8), XGroupCreateArgs.Builder.mkstream());
                LOG.debug("Created group {} on {} from {}", group, stream, startId);
            } catch (RedisBusyException e) {
                // BUSYGROUP: it exists already.
            } catch (RedisCommandExecutionException e) {
                if (isNoGroup(e)) {
                    throw e;
                }
                // Refused (an ACL without XGROUP, groups made by ops): read as if it exists; a NOGROUP says otherwise.
                LOG.warn("Could not create group {} on {} ({}); reading it as an existing group", group, stream, e.getMessage());
            }
        }
    }

    static boolean isNoGroup(RedisCommandExecutionException e) {
        return e.getMessage() != null && e.getMessage().startsWith("NOGROUP");
    }
}
