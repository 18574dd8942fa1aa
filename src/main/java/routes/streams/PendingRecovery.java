package routes.streams;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.lettuce.core.Consumer;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.XReadArgs.StreamOffset;
import io.lettuce.core.api.sync.RedisCommands;

/**
 * The re-read of a consumer's own pending entries (a previous life's in-flight work, or what a lost connection or a
 * refused command may have left taken): a page per call, each stream from where its last page ended, until every
 * stream returns nothing.
 */
final class PendingRecovery {

    private final Consumer<byte[]> groupConsumer;
    private final XReadArgs page;
    /** Per stream, the id after which own pending entries are still to be re-read; absent once done. */
    private final Map<String, String> cursors = new LinkedHashMap<>();

    PendingRecovery(Consumer<byte[]> groupConsumer, int batchSize) {
        this.groupConsumer = groupConsumer;
        this.page = XReadArgs.Builder.count(batchSize);
    }

    /** From the first own pending entry of each stream; restarts a re-read under way. */
    void start(List<String> streams) {
        cursors.clear();
        streams.forEach(s -> cursors.put(s, "0-0"));
    }

    boolean active() {
        return !cursors.isEmpty();
    }

    /** The next page; empty once every stream is done. */
    @SuppressWarnings("unchecked")
    List<StreamMessage<byte[], byte[]>> next(RedisCommands<byte[], byte[]> redis) {
        StreamOffset<byte[]>[] offsets = cursors.entrySet().stream()
                .map(e -> StreamOffset.from(e.getKey().getBytes(StandardCharsets.UTF_8), e.getValue()))
                .toArray(StreamOffset[]::new);
        // An explicit id reads the PEL and ignores BLOCK, so the re-read ends when every stream returns nothing.
        List<StreamMessage<byte[], byte[]>> batch = redis.xreadgroup(groupConsumer, page, offsets);
        Map<String, String> last = new HashMap<>();
        batch.forEach(m -> last.put(m.getStream() == null ? null : new String(m.getStream(), StandardCharsets.UTF_8),
                m.getId()));
        cursors.replaceAll((stream, cursor) -> last.get(stream));
        cursors.values().removeIf(cursor -> cursor == null);
        return batch;
    }
}
